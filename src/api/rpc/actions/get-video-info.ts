import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { videoToWire } from './wire.js';

export const getVideoInfo = (s: ActionServices): RpcAction => ({
  name: 'GetVideoInfo',
  async handle(p, ctx) {
    const video = await s.videos.get(ctx.accountId, p.id('VideoId'));
    return { Video: videoToWire(video, (path) => s.fileUrl(path, ctx.now, ctx.baseUrl)) };
  },
});
