import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';

export const updateVideoInfo = (s: ActionServices): RpcAction => ({
  name: 'UpdateVideoInfo',
  async handle(p, ctx) {
    const id = p.id('VideoId');
    const title = p.optional('Title');
    const description = p.optional('Description');
    const coverUrl = p.optional('CoverURL');
    if (title !== undefined && Buffer.byteLength(title) > 128) throw rpcErrors.invalid('Title', 'longer than 128 bytes.');
    if (description !== undefined && Buffer.byteLength(description) > 1024) throw rpcErrors.invalid('Description', 'longer than 1024 bytes.');
    if (coverUrl !== undefined && (!/^https?:\/\//.test(coverUrl) || coverUrl.length > 1024)) throw rpcErrors.invalid('CoverURL', 'must be an http(s) URL.');
    await s.videos.update(ctx.accountId, id, { title, description, coverUrl: coverUrl === undefined ? undefined : await s.uploads.coverFor(ctx.accountId, coverUrl) });
    return {};
  },
});
