import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import type { AccessKey } from '../../covers/model.js';
import type { Clock } from '../../covers/ports.js';
import { TEMPORARY_KEY_PREFIX, type UploadClaims } from '../../covers/upload-credentials.js';
import type { UploadService, UploadTarget } from '../../covers/uploads.js';
import { AppError, toAppError, tooLargeError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { sameSignature } from '../rpc/signature.js';
import type { HttpRefusal } from '../http-refusal.js';
import { OSS_XML_TYPE, OssError, ossErrorFrom, ossErrorFromRefusal, ossErrors, renderOssError, renderXml } from './oss-error.js';
import { parseV1Authorization, parseV4Authorization, signV1, signV4, stringToSignV1, stringToSignV4, type SignedRequest } from './oss-signature.js';

/** An object request as the endpoint needs it; server.ts builds it from Fastify's. */
export interface ObjectRequest {
  /** The id the server logs this request under, returned as x-oss-request-id. */
  readonly id?: string;
  readonly method: string;
  /** The request target as sent: path and query, still encoded. */
  readonly url: string;
  /** Lower-case header names, first value each. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Readable;
}

export interface ObjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ObjectEndpointDeps {
  readonly uploads: UploadService;
  /** Ordinary access keys: told apart so that their refusal says what to use instead. */
  readonly findAccessKey: (id: string) => Promise<AccessKey | undefined>;
  readonly clock: Clock;
  /** The bucket name handed out in UploadAddress; a path may start with it or not. */
  readonly bucket: string;
  /** Largest object accepted, bytes: a Content-Length past it is refused before any byte is read. */
  readonly maxBytes: number;
  readonly hostId: string;
  readonly log: Logger;
  /** Called as each object request starts; the function it returns is told the bytes stored, or the OSS code of the refusal. */
  readonly observe?: (() => (result: { bytes: number } | { code: string }) => void) | undefined;
}

const SKEW_MS = 15 * 60_000;
/** Bodies up to this size are read to their end before an error is answered. */
const DRAIN_BYTES = 8 * 1024 * 1024;
/** A CompleteMultipartUpload body lists at most 10,000 parts: well under a megabyte. */
const MAX_COMPLETE_XML = 1024 * 1024;

/** Browsers (ali-oss's browser build, VOD's web upload SDK) preflight every upload request. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'PUT, POST, GET, HEAD, DELETE',
  'access-control-allow-headers': 'authorization, content-type, content-md5, content-length, x-oss-date, x-oss-security-token, x-oss-user-agent, x-oss-content-sha256, x-oss-notification, x-oss-meta-*, x-oss-callback, x-oss-callback-var',
  'access-control-expose-headers': 'ETag, x-oss-request-id',
  'access-control-max-age': '600',
};

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Part' });

/**
 * The OSS-compatible object endpoint ali-oss uploads to: PutObject, and the multipart calls. It routes on
 * the path, never on Host (ali-oss rewrites Host for IP-literal endpoints), accepts /<key> and
 * /<bucket>/<key>, checks the V1 or V4 signature against the temporary credential's derived secret, and
 * answers OSS's XML errors. This is the one place AppErrors become OSS codes.
 */
export class ObjectEndpoint {
  constructor(private readonly deps: ObjectEndpointDeps) {}

  async handle(request: ObjectRequest): Promise<ObjectResponse> {
    const requestId = request.id ?? randomUUID().toUpperCase();
    const common = { ...CORS_HEADERS, 'x-oss-request-id': requestId };
    if (request.method === 'OPTIONS') return { status: 200, headers: common, body: '' };
    const ended = this.deps.observe?.();
    try {
      const { key, query } = this.parseTarget(request.url);
      const claims = await this.authenticate(request, key, query);
      const target = await this.deps.uploads.target(claims, key);
      const result = await this.dispatch(request, target, key, new Map(query));
      ended?.({ bytes: result.bytes ?? 0 });
      return { status: result.status ?? 200, headers: { ...common, ...result.headers, ...(result.body === '' ? {} : { 'content-type': OSS_XML_TYPE }) }, body: result.body };
    } catch (error) {
      // The client went away mid-body (or stalled past the idle timeout): nothing to answer, nothing to log.
      const gone = !(error instanceof AppError) && !(error instanceof OssError) && request.body.destroyed && !request.body.readableEnded;
      const oss = gone ? ossErrorFrom(new AppError('aborted', 'the client closed the connection')) : this.toOssError(error);
      ended?.({ code: oss.code });
      // A refused request's body is not worth keeping. A small one is read to its end first, so the client
      // sees the answer rather than a broken pipe; a large one is not received at all.
      const declared = Number(request.headers.get('content-length') ?? 'NaN');
      const drain = declared <= DRAIN_BYTES && !request.body.readableEnded;
      if (drain) await drained(request.body);
      else request.body.resume();
      return {
        status: oss.status, headers: { ...common, 'content-type': OSS_XML_TYPE, ...(drain || request.body.readableEnded ? {} : { connection: 'close' }) },
        body: renderOssError(oss, requestId, this.deps.hostId),
      };
    }
  }

  /** The OSS XML error for what the HTTP layer refused on an object or file path. */
  refuse(refusal: HttpRefusal, requestId: string): ObjectResponse {
    const oss = ossErrorFromRefusal(refusal);
    return { status: oss.status, headers: { ...CORS_HEADERS, 'x-oss-request-id': requestId, 'content-type': OSS_XML_TYPE }, body: renderOssError(oss, requestId, this.deps.hostId) };
  }

  /** The OSS XML error for a file request that failed in the domain (a rendition's bad x-oss-process). */
  fail(error: AppError, requestId: string): ObjectResponse {
    const oss = this.toOssError(error);
    return { status: oss.status, headers: { ...CORS_HEADERS, 'x-oss-request-id': requestId, 'content-type': OSS_XML_TYPE }, body: renderOssError(oss, requestId, this.deps.hostId) };
  }

  /** The bucket this endpoint serves: a path under /<bucket>/ is always an object path. */
  get bucket(): string {
    return this.deps.bucket;
  }

  private toOssError(error: unknown): OssError {
    if (error instanceof OssError) return error;
    const app = toAppError(error);
    if (app.kind === 'internal') this.deps.log.error({ err: app, details: app.details }, 'object request failed');
    return ossErrorFrom(app);
  }

  /** /<key> or /<bucket>/<key>, percent-decoded; a key that could name anything but a plain object is refused. */
  private parseTarget(url: string): { key: string; query: [string, string][] } {
    const at = url.indexOf('?');
    const rawPath = at < 0 ? url : url.slice(0, at);
    const query = at < 0 ? [] : [...new URLSearchParams(url.slice(at + 1)).entries()];
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw ossErrors.invalidObjectName();
    }
    let key = path.replace(/^\/+/, '');
    if (key.startsWith(`${this.deps.bucket}/`)) key = key.slice(this.deps.bucket.length + 1);
    const segments = key.split('/');
    if (key === '' || Buffer.byteLength(key) > 1023 || /[\\\0-\x1f\x7f]/.test(key) || segments.some((s) => s === '..' || s === '.')) throw ossErrors.invalidObjectName();
    return { key, query };
  }

  /** The signature (V1 or V4), the clock, and the temporary credential's token; returns what it may write. */
  private async authenticate(request: ObjectRequest, key: string, query: readonly (readonly [string, string])[]): Promise<UploadClaims> {
    const header = request.headers.get('authorization') ?? '';
    const v1 = parseV1Authorization(header);
    const v4 = v1 === undefined ? parseV4Authorization(header) : undefined;
    if (v1 === undefined && v4 === undefined) throw ossErrors.accessDenied(header === '' ? 'Anonymous access is not allowed: sign the request with the credential from CreateUploadVideo.' : 'The Authorization header is malformed.');
    const now = this.deps.clock.now();
    const signedAt = v4 !== undefined ? parseV4Date(request.headers.get('x-oss-date') ?? '') : new Date(request.headers.get('x-oss-date') ?? request.headers.get('date') ?? '');
    if (Number.isNaN(signedAt.getTime())) throw ossErrors.accessDenied('OSS authentication requires a valid Date (x-oss-date).');
    if (Math.abs(signedAt.getTime() - now.getTime()) > SKEW_MS) throw ossErrors.skewed();
    const accessKeyId = (v1 ?? v4)!.accessKeyId;
    if (!accessKeyId.startsWith(TEMPORARY_KEY_PREFIX)) {
      if ((await this.deps.findAccessKey(accessKeyId)) !== undefined) {
        throw ossErrors.accessDenied('Access keys cannot write objects: use the temporary credential CreateUploadVideo or CreateUploadImage returns.');
      }
      throw ossErrors.invalidAccessKeyId();
    }
    const token = request.headers.get('x-oss-security-token') ?? '';
    if (token === '') throw new OssError('InvalidSecurityToken', 403, 'A temporary credential needs its x-oss-security-token.');
    const { claims, secret } = this.deps.uploads.credentials.open(accessKeyId, token, now);
    const signed: SignedRequest = { method: request.method, headers: request.headers, query, bucket: this.deps.bucket, key };
    const valid = v1 !== undefined
      ? sameSignature(signV1(secret, stringToSignV1(signed)), v1.signature)
      : sameSignature(signV4(secret, v4!, stringToSignV4(signed, v4!)), v4!.signature);
    if (!valid) throw ossErrors.signatureMismatch();
    return claims;
  }

  private async dispatch(request: ObjectRequest, target: UploadTarget, key: string, query: ReadonlyMap<string, string>): Promise<{ status?: number; headers?: Record<string, string>; body: string; bytes?: number }> {
    const uploads = this.deps.uploads;
    const uploadId = query.get('uploadId');
    const md5 = request.headers.get('content-md5');
    if (md5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw ossErrors.invalidDigest();
    switch (request.method) {
      case 'PUT': {
        this.checkLength(request);
        const partNumber = Number(query.get('partNumber') ?? 'x');
        const stored = uploadId === undefined ? await uploads.putObject(target, request.body, md5) : await uploads.uploadPart(target, uploadId, partNumber, request.body, md5);
        return { headers: { etag: etag(stored.md5) }, body: '', bytes: stored.bytes };
      }
      case 'POST': {
        if (query.has('uploads')) {
          const id = await uploads.initiateMultipart(target);
          return { body: renderXml({ InitiateMultipartUploadResult: { Bucket: this.deps.bucket, Key: key, UploadId: id } }) };
        }
        if (uploadId === undefined) throw ossErrors.invalidArgument('POST needs ?uploads (initiate) or ?uploadId (complete).');
        const parts = parseCompleteBody(await readSmall(request.body, MAX_COMPLETE_XML));
        const tag = `"${await uploads.completeMultipart(target, uploadId, parts)}"`;
        return { headers: { etag: tag }, body: renderXml({ CompleteMultipartUploadResult: { Location: `/${this.deps.bucket}/${key}`, Bucket: this.deps.bucket, Key: key, ETag: tag } }) };
      }
      case 'DELETE':
        if (uploadId === undefined) throw ossErrors.notImplemented();
        await uploads.abortMultipart(target, uploadId);
        return { status: 204, body: '' };
      default:
        throw ossErrors.notImplemented();
    }
  }

  /** A declared length past the limit is refused before a byte is read (chunked bodies are counted as they come). */
  private checkLength(request: ObjectRequest): void {
    const length = Number(request.headers.get('content-length') ?? '0');
    if (length > this.deps.maxBytes) throw tooLargeError(this.deps.maxBytes);
  }
}

/** OSS ETags: the upper-case hex MD5, in quotes. */
function etag(md5Hex: string): string {
  return `"${md5Hex.toUpperCase()}"`;
}

/** 20261201T191952Z */
function parseV4Date(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m === null ? new Date(NaN) : new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function drained(body: Readable): Promise<void> {
  return new Promise((resolve) => {
    body.on('end', resolve).on('error', () => resolve()).on('close', resolve);
    body.resume();
  });
}

async function readSmall(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) throw ossErrors.malformedXml();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** <CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…</CompleteMultipartUpload> */
function parseCompleteBody(text: string): { partNumber: number; etag: string }[] {
  let doc: { CompleteMultipartUpload?: { Part?: { PartNumber?: unknown; ETag?: unknown }[] } };
  try {
    doc = parser.parse(text, true) as typeof doc;
  } catch {
    throw ossErrors.malformedXml();
  }
  const parts = doc.CompleteMultipartUpload?.Part;
  if (!Array.isArray(parts)) throw ossErrors.malformedXml();
  return parts.map((p) => {
    const partNumber = Number(p.PartNumber);
    if (!Number.isInteger(partNumber) || typeof p.ETag !== 'string') throw ossErrors.malformedXml();
    return { partNumber, etag: p.ETag };
  });
}
