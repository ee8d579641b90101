import type { RpcAction } from '../gateway.js';
import type { ActionServices } from './services.js';
import { uploadBlobs } from './upload-wire.js';

/** RefreshUploadVideo: the same address, a new credential (clients call it on SecurityTokenExpired). */
export const refreshUploadVideo = (s: ActionServices): RpcAction => ({
  name: 'RefreshUploadVideo',
  async handle(p, ctx) {
    const { video, upload } = await s.uploads.refreshVideo(ctx.accountId, p.id('VideoId'));
    return { VideoId: video.id, ...uploadBlobs(s, upload, ctx.baseUrl, ctx.now) };
  },
});
