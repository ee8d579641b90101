import type { IssuedUpload } from '../covers/uploads.js';
import { wireTime } from './rpc/wire-time.js';

/** Where an upload's bytes go and how the client is to sign them: what CreateUploadVideo hands out. */
export interface UploadTicket {
  readonly address: { readonly Endpoint: string; readonly Bucket: string; readonly FileName: string };
  readonly auth: {
    readonly AccessKeyId: string; readonly AccessKeySecret: string; readonly SecurityToken: string;
    /** Seconds left, as text (VOD's shape). */
    readonly Expiration: string; readonly ExpireUTCTime: string; readonly Region: string;
  };
}

/**
 * The same ticket for the RPC API (which base64s both halves, as VOD does) and the web console (which
 * hands them to its own upload client). Every field is a non-empty string: VOD's web upload SDK refuses a
 * blob missing any.
 */
export function uploadTicket(upload: IssuedUpload, endpoint: string, bucket: string): UploadTicket {
  const { credential } = upload;
  return {
    address: { Endpoint: endpoint, Bucket: bucket, FileName: upload.objectKey },
    auth: {
      AccessKeyId: credential.accessKeyId, AccessKeySecret: credential.accessKeySecret, SecurityToken: credential.securityToken,
      // The lifetime granted, not a difference of clocks: the expiry is kept in whole seconds, and the
      // request's time is a few ms before the issue, so a difference came out 2999 or 3001 by chance.
      Expiration: String(upload.seconds), ExpireUTCTime: wireTime(credential.expiresAt), Region: 'local',
    },
  };
}
