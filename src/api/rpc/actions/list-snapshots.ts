import type { SnapshotListing } from '../../../covers/model.js';
import type { RpcAction } from '../gateway.js';
import { wireTime } from '../wire-time.js';
import { rpcErrors } from '../rpc-error.js';
import type { WireObject } from '../render.js';
import type { ActionServices } from './services.js';

const LISTINGS: readonly SnapshotListing[] = ['CoverSnapshot', 'NormalSnapshot', 'SpriteSnapshot', 'SpriteOriginSnapshot', 'WebVttSnapshot'];

/** Seconds a listed URL may be made to last (AuthTimeout): at most 30 days. */
const MAX_AUTH_TIMEOUT = 30 * 86_400;

export const listSnapshots = (s: ActionServices): RpcAction => ({
  name: 'ListSnapshots',
  async handle(p, ctx): Promise<WireObject> {
    const videoId = p.id('VideoId');
    const listing = (p.optional('SnapshotType') ?? 'CoverSnapshot') as SnapshotListing;
    if (!LISTINGS.includes(listing)) throw rpcErrors.invalid('SnapshotType', `must be one of ${LISTINGS.join(', ')}.`);
    const pageNo = whole(p.optional('PageNo') ?? '1', 'PageNo', 1, 100_000);
    const pageSize = whole(p.optional('PageSize') ?? '20', 'PageSize', 1, 100);
    const authTimeout = p.optional('AuthTimeout') === undefined ? undefined : whole(p.optional('AuthTimeout')!, 'AuthTimeout', 1, MAX_AUTH_TIMEOUT);
    const list = await s.snapshots.list(ctx.accountId, videoId, listing);
    if (list === undefined) return { MediaSnapshot: { Total: 0, Snapshots: { Snapshot: [] } } };
    // A URL signed at t stays valid for the configured validity from t: to last AuthTimeout seconds, it is signed as of now + AuthTimeout − validity.
    const signedAt = authTimeout === undefined ? ctx.now : new Date(ctx.now.getTime() + (authTimeout - s.urlValiditySeconds) * 1000);
    const first = (pageNo - 1) * pageSize;
    return {
      MediaSnapshot: {
        Total: list.paths.length, Regular: list.regular === '' ? '' : s.unsignedFileUrl(list.regular, ctx.baseUrl), CreationTime: wireTime(list.createdAt), JobId: list.jobId,
        Snapshots: { Snapshot: list.paths.slice(first, first + pageSize).map((path, i) => ({ Index: first + i + 1, Url: s.fileUrl(path, signedAt, ctx.baseUrl) })) },
      },
    };
  },
});

function whole(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw rpcErrors.invalid(name, `must be a whole number from ${min} to ${max}.`);
  return Number(value);
}
