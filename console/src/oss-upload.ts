import { api, ApiError, type UploadTicket } from './api.js';
import { authorization } from './oss-sign.js';

/** Parts of this size (OSS wants ≥ 100 KB but the last); a file up to one part goes in one PutObject. */
const PART_BYTES = 8 * 1024 * 1024;
const PARALLEL = 3;
const ATTEMPTS = 3;

export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

/**
 * One file uploaded the way the SDKs do it: CreateUploadVideo's ticket (from the console API), then the
 * OSS protocol on the object endpoint, signed V1 with the temporary credential. Multipart for large
 * files, parts in parallel, each retried after a network error; an expired credential is refreshed. A
 * failed upload can be resumed with `start()` again: parts already stored are not sent twice.
 */
export class OssUpload {
  private ticket: UploadTicket | undefined;
  private uploadId: string | undefined;
  private readonly done = new Map<number, string>();
  private readonly loaded = new Map<number, number>();

  constructor(readonly file: File, private readonly onProgress: (p: UploadProgress) => void) {}

  get videoId(): string | undefined {
    return this.ticket?.videoId;
  }

  async start(): Promise<void> {
    this.ticket ??= await api<UploadTicket>('POST', '/uploads', { fileName: this.file.name, fileSize: this.file.size, title: this.file.name.replace(/\.[^.]*$/, '') });
    if (this.file.size <= PART_BYTES) {
      await this.withRetry(() => this.send('PUT', [], this.file, 'application/octet-stream', (n) => this.progress(0, n)));
      return;
    }
    this.uploadId ??= tag(await this.withRetry(() => this.send('POST', [['uploads', '']], undefined, 'application/octet-stream')), 'UploadId');
    const count = Math.ceil(this.file.size / PART_BYTES);
    const todo = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !this.done.has(n));
    const worker = async () => {
      for (let n = todo.shift(); n !== undefined; n = todo.shift()) {
        const part = n;
        const blob = this.file.slice((part - 1) * PART_BYTES, part * PART_BYTES);
        const etag = await this.withRetry(async () => {
          const xhr = await this.send('PUT', [['partNumber', String(part)], ['uploadId', this.uploadId!]], blob, 'application/octet-stream', (b) => this.progress(part, b));
          return xhr.getResponseHeader('etag') ?? '';
        });
        this.done.set(part, etag);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
    const body = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload>${
      [...this.done.entries()].sort(([a], [b]) => a - b).map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join('')
    }</CompleteMultipartUpload>`;
    await this.withRetry(() => this.send('POST', [['uploadId', this.uploadId!]], body, 'application/xml'));
  }

  private progress(part: number, bytes: number): void {
    this.loaded.set(part, bytes);
    let sum = 0;
    for (const v of this.loaded.values()) sum += v;
    this.onProgress({ loaded: Math.min(sum, this.file.size), total: this.file.size });
  }

  /** A network error or a 5xx is tried again after a pause; an expired credential is renewed once. */
  private async withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    let refreshed = false;
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        const e = error instanceof ApiError ? error : new ApiError(0, 'Network', String(error));
        if ((e.code === 'SecurityTokenExpired' || e.code === 'InvalidSecurityToken') && !refreshed) {
          refreshed = true;
          this.ticket = await api<UploadTicket>('POST', `/uploads/${this.ticket!.videoId}/refresh`);
          continue;
        }
        if (!(e.status === 0 || e.status >= 500) || i >= ATTEMPTS) throw e;
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** i));
      }
    }
  }

  /** One signed request to the object endpoint, by XHR (fetch reports no upload progress). */
  private send(method: string, query: [string, string][], body: Blob | string | undefined, contentType: string, onBytes?: (n: number) => void): Promise<XMLHttpRequest> {
    const { address, auth } = this.ticket!;
    const headers: Record<string, string> = { 'content-type': contentType, 'x-oss-date': new Date().toUTCString(), 'x-oss-security-token': auth.SecurityToken };
    headers['authorization'] = authorization(auth.AccessKeyId, auth.AccessKeySecret, { method, bucket: address.Bucket, key: address.FileName, query, headers });
    const path = `/${address.Bucket}/${address.FileName.split('/').map(encodeURIComponent).join('/')}`;
    const search = query.map(([n, v]) => (v === '' ? n : `${n}=${encodeURIComponent(v)}`)).join('&');
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, `${address.Endpoint}${path}${search === '' ? '' : `?${search}`}`);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (onBytes !== undefined) xhr.upload.onprogress = (e) => onBytes(e.loaded);
      xhr.onerror = () => reject(new ApiError(0, 'Network', 'The connection was lost during the upload.'));
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onBytes?.(typeof body === 'object' ? body.size : 0);
          resolve(xhr);
          return;
        }
        const text = xhr.responseText;
        reject(new ApiError(xhr.status, tag(text, 'Code') || 'UploadFailed', tag(text, 'Message') || `The upload was refused (${xhr.status}).`));
      };
      xhr.send(body ?? null);
    });
  }
}

function tag(xml: string | XMLHttpRequest, name: string): string {
  const text = typeof xml === 'string' ? xml : xml.responseText;
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1] ?? '';
}
