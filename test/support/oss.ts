import { createRequire } from 'node:module';
import type { PopClient } from './service.js';

const require = createRequire(import.meta.url);
/** ali-oss, Alibaba's OSS client, as VOD applications use it to send the bytes (CommonJS). */
const OSS = require('ali-oss') as new (options: Record<string, unknown>) => OssClient;

export interface OssResult {
  readonly res: { readonly status: number; readonly headers: Record<string, string> };
  readonly name?: string;
}

export interface OssClient {
  put(name: string, file: string | Buffer, options?: Record<string, unknown>): Promise<OssResult>;
  multipartUpload(name: string, file: string, options?: Record<string, unknown>): Promise<OssResult>;
  initMultipartUpload(name: string, options?: Record<string, unknown>): Promise<{ uploadId: string }>;
  uploadPart(name: string, uploadId: string, partNo: number, file: string, start: number, end: number): Promise<{ name: string; etag: string }>;
  completeMultipartUpload(name: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<OssResult>;
  abortMultipartUpload(name: string, uploadId: string): Promise<OssResult>;
}

export interface UploadAddress {
  readonly Endpoint: string;
  readonly Bucket: string;
  readonly FileName: string;
}

export interface UploadAuth {
  readonly AccessKeyId: string;
  readonly AccessKeySecret: string;
  readonly SecurityToken: string;
  readonly Expiration: string;
  readonly ExpireUTCTime: string;
  readonly Region: string;
}

/** What an application's server does with CreateUploadVideo's (or RefreshUploadVideo's) answer: decode both blobs. */
export function decodeUpload(answer: Record<string, unknown>): { address: UploadAddress; auth: UploadAuth } {
  const decode = (field: string) => JSON.parse(Buffer.from(String(answer[field]), 'base64').toString('utf8')) as unknown;
  return { address: decode('UploadAddress') as UploadAddress, auth: decode('UploadAuth') as UploadAuth };
}

/** The client as VOD's own samples build it, from the decoded address and credential. */
export function ossClient(address: UploadAddress, auth: UploadAuth, options: Record<string, unknown> = {}): OssClient {
  return new OSS({
    endpoint: address.Endpoint, bucket: address.Bucket, accessKeyId: auth.AccessKeyId, accessKeySecret: auth.AccessKeySecret, stsToken: auth.SecurityToken,
    timeout: 60_000, ...options,
  });
}

/** CreateUploadVideo, decoded. */
export async function createUploadVideo(client: PopClient, params: Record<string, string>): Promise<{ videoId: string; address: UploadAddress; auth: UploadAuth }> {
  const answer = await client.request('CreateUploadVideo', params);
  return { videoId: String(answer['VideoId']), ...decodeUpload(answer) };
}

/** What ali-oss rejects with: OSS's code and the HTTP status. */
export async function ossRejection(call: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: string; status?: number; message: string };
    return { code: e.code ?? '', status: e.status ?? 0, message: e.message };
  }
  throw new Error('expected the upload to fail');
}
