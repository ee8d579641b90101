import type { RpcAction } from '../gateway.js';
import { videoExtension } from '../../../covers/model.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { boundedText, tagsParam, uploadBlobs } from './upload-wire.js';
import { userDataParam } from './user-data.js';


/**
 * CreateUploadVideo: a video Uploading, and where and how to upload it. FileName is the client's file
 * name or local path (C:\videos\a.mp4); only its extension matters.
 */
export const createUploadVideo = (s: ActionServices): RpcAction => ({
  name: 'CreateUploadVideo',
  async handle(p, ctx) {
    const title = boundedText(p, 'Title', 128) ?? (() => { throw rpcErrors.missing('Title'); })();
    const fileName = boundedText(p, 'FileName', 1024) ?? (() => { throw rpcErrors.missing('FileName'); })();
    if (videoExtension(fileName) === undefined) throw rpcErrors.fileExtension(fileName.slice(0, 128));
    const size = p.optional('FileSize');
    if (size !== undefined && (!/^\d{1,16}$/.test(size) || Number(size) > s.uploadMaxBytes)) {
      throw rpcErrors.invalid('FileSize', `must be a whole number of bytes up to the upload limit of ${s.uploadMaxBytes}.`);
    }
    const description = boundedText(p, 'Description', 1024) ?? '';
    tagsParam(p);
    const coverUrl = p.optional('CoverURL');
    if (coverUrl !== undefined && (!/^https?:\/\//.test(coverUrl) || coverUrl.length > 1024)) throw rpcErrors.invalid('CoverURL', 'must be an http(s) URL.');
    const userData = userDataParam(p);
    const { video, upload } = await s.uploads.createVideo(ctx.accountId, {
      title, fileName: fileName.split(/[\\/]/).pop()!, description, coverUrl: coverUrl === undefined ? '' : await s.uploads.coverFor(ctx.accountId, coverUrl), userData,
    });
    return { VideoId: video.id, ...uploadBlobs(s, upload, ctx.baseUrl, ctx.now) };
  },
});
