import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';

/** ours: a video of another account is reported as absent, never as forbidden (it must not be probed). */
export const deleteVideo = (s: ActionServices): RpcAction => ({
  name: 'DeleteVideo',
  async handle(p, ctx) {
    const { missing } = await s.videos.delete(ctx.accountId, p.idList('VideoIds', 20));
    return { NonExistVideoIds: missing, ForbiddenVideoIds: [] };
  },
});
