import type { RpcAction } from '../gateway.js';
import { wireTime } from '../wire-time.js';
import type { ActionServices } from './services.js';

/** GetMezzanineInfo: the source file as uploaded and probed (how VOD users check an upload). */
export const getMezzanineInfo = (s: ActionServices): RpcAction => ({
  name: 'GetMezzanineInfo',
  async handle(p, ctx) {
    const v = await s.videos.get(ctx.accountId, p.id('VideoId'));
    return {
      Mezzanine: {
        VideoId: v.id, Status: v.status, FileName: v.fileName, Size: v.size, Duration: String(v.duration), Width: v.width, Height: v.height,
        Fps: String(v.fps), Bitrate: String(Math.round(v.bitrate / 1000)), CreationTime: wireTime(v.createdAt), OutputType: 'oss',
        ...(v.status === 'UploadFail' ? { ErrorCode: v.errorCode, ErrorMessage: v.errorMessage } : {}),
      },
    };
  },
});
