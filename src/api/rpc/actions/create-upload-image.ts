import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { boundedText, tagsParam, uploadBlobs } from './upload-wire.js';

/**
 * CreateUploadImage: ImageType default|cover, ImageExt png (default)|jpg|jpeg|gif. ImageURL is a signed
 * URL of the image once uploaded; passed as CoverURL to CreateUploadVideo or UpdateVideoInfo it becomes
 * the video's cover (and is signed afresh whenever the video is read).
 */
export const createUploadImage = (s: ActionServices): RpcAction => ({
  name: 'CreateUploadImage',
  async handle(p, ctx) {
    const type = p.required('ImageType');
    if (type !== 'default' && type !== 'cover') throw rpcErrors.invalid('ImageType', 'must be "default" or "cover".');
    const ext = (p.optional('ImageExt') ?? 'png').toLowerCase();
    if (ext !== 'png' && ext !== 'jpg' && ext !== 'jpeg' && ext !== 'gif') throw rpcErrors.invalid('ImageExt', 'must be png, jpg, jpeg or gif.');
    const title = boundedText(p, 'Title', 128) ?? '';
    boundedText(p, 'Description', 1024);
    tagsParam(p);
    const { image, upload } = await s.uploads.createImage(ctx.accountId, { type, ext, title });
    const path = `/${image.objectKey}`;
    return {
      ImageId: image.id,
      ImageURL: s.fileUrl(path, ctx.now, ctx.baseUrl),
      FileURL: `${s.uploadEndpoint(ctx.baseUrl)}/${s.uploadBucket}${path}`,
      ...uploadBlobs(s, upload, ctx.baseUrl, ctx.now),
    };
  },
});
