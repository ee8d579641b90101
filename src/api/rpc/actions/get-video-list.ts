import type { VideoStatus } from '../../../covers/model.js';
import type { RpcAction } from '../gateway.js';
import { checkWireTime } from '../wire-time.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { videoToWire } from './wire.js';

const STATUSES: readonly VideoStatus[] = ['Uploading', 'UploadSucc', 'UploadFail', 'Normal'];

/**
 * GetVideoList: the account's videos, filtered by Status (comma-separated) and CreationTime (StartTime
 * inclusive, EndTime exclusive), sorted by CreationTime (SortBy CreationTime:Desc, the default, or
 * CreationTime:Asc), PageNo from 1 and PageSize up to 100 (default 10).
 */
export const getVideoList = (s: ActionServices): RpcAction => ({
  name: 'GetVideoList',
  async handle(p, ctx) {
    const statuses = (p.optional('Status') ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
    const unknown = statuses.find((t) => !STATUSES.includes(t as VideoStatus));
    if (unknown !== undefined) throw rpcErrors.invalid('Status', `"${unknown.slice(0, 32)}" is not one of ${STATUSES.join(', ')}.`);
    const from = optionalTime(p.optional('StartTime'), 'StartTime');
    const to = optionalTime(p.optional('EndTime'), 'EndTime');
    const pageNo = wholeNumber(p.optional('PageNo'), 'PageNo', 1, 1, 100_000);
    const pageSize = wholeNumber(p.optional('PageSize'), 'PageSize', 10, 1, 100);
    const sortBy = p.optional('SortBy') ?? 'CreationTime:Desc';
    if (sortBy !== 'CreationTime:Desc' && sortBy !== 'CreationTime:Asc') throw rpcErrors.invalid('SortBy', 'must be CreationTime:Desc or CreationTime:Asc.');
    const { videos, total } = await s.videos.list(ctx.accountId, {
      statuses: statuses as VideoStatus[], from, to, newestFirst: sortBy === 'CreationTime:Desc', offset: (pageNo - 1) * pageSize, limit: pageSize,
    });
    const sign = (path: string) => s.fileUrl(path, ctx.now, ctx.baseUrl);
    return { Total: total, VideoList: { Video: videos.map((v) => videoToWire(v, sign)) } };
  },
});

function optionalTime(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = checkWireTime(value);
  if (at === undefined) throw rpcErrors.invalid(name, 'use yyyy-MM-ddTHH:mm:ssZ in UTC.');
  return at;
}

function wholeNumber(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,9}$/.test(value) || n < min || n > max) throw rpcErrors.invalid(name, `must be a whole number from ${min} to ${max}.`);
  return n;
}
