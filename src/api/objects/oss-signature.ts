import { createHash, createHmac } from 'node:crypto';

/**
 * OSS request signatures as ali-oss computes them (lib/common/signUtils.js): V1 (HMAC-SHA1 over a
 * canonical string) and V4 (OSS4-HMAC-SHA256 with a derived key). Pure: the endpoint builds the inputs
 * from the request and compares the result in constant time.
 */

/** Query parameters OSS counts as sub-resources: the only ones V1 signs. */
const SUB_RESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging', 'objectMeta',
  'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication', 'replicationProgress',
  'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink',
  'x-oss-process', 'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId', 'udfImageDesc',
  'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'policy', 'encryption', 'versions', 'versioning',
  'versionId', 'sequential', 'continuation-token', 'regionList', 'cloudboxes', 'x-oss-ac-source-ip', 'x-oss-ac-subnet-mask',
  'x-oss-ac-vpc-id', 'x-oss-ac-forward-allow', 'metaQuery', 'resourceGroup', 'rtc', 'worm', 'wormId', 'wormExtend',
]);

export interface SignedRequest {
  readonly method: string;
  /** Lower-case header names, first value each. */
  readonly headers: ReadonlyMap<string, string>;
  /** The query as sent, decoded, in order. */
  readonly query: readonly (readonly [string, string])[];
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
}

/** V1's string to sign: verb, MD5, type, date, the x-oss-* headers, then /bucket/key?sub-resources. */
export function stringToSignV1(request: SignedRequest): string {
  const h = request.headers;
  const ossHeaders = [...h.entries()].filter(([name]) => name.startsWith('x-oss-')).map(([name, value]) => [name, value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => `${name}:${value}`);
  const sub = request.query.filter(([name]) => SUB_RESOURCES.has(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  const resource = `/${request.bucket}/${request.key}${sub.length > 0 ? `?${sub.join('&')}` : ''}`;
  return [request.method.toUpperCase(), h.get('content-md5') ?? '', h.get('content-type') ?? '', h.get('x-oss-date') ?? h.get('date') ?? '', ...ossHeaders, resource].join('\n');
}

export function signV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** `OSS <AccessKeyId>:<Signature>`, or undefined when the header has another shape. */
export function parseV1Authorization(header: string): { accessKeyId: string; signature: string } | undefined {
  const match = /^OSS ([^:\s]+):(\S+)$/.exec(header);
  return match === null ? undefined : { accessKeyId: match[1]!, signature: match[2]! };
}

export interface V4Authorization {
  readonly accessKeyId: string;
  /** yyyymmdd */
  readonly date: string;
  readonly region: string;
  readonly product: string;
  readonly additionalHeaders: readonly string[];
  readonly signature: string;
}

/** `OSS4-HMAC-SHA256 Credential=AK/date/region/oss/aliyun_v4_request,[AdditionalHeaders=a;b,]Signature=hex`. */
export function parseV4Authorization(header: string): V4Authorization | undefined {
  if (!header.startsWith('OSS4-HMAC-SHA256 ')) return undefined;
  const fields = new Map(header.slice('OSS4-HMAC-SHA256 '.length).split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  }));
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aliyun_v4_request$/.exec(fields.get('Credential') ?? '');
  const signature = fields.get('Signature') ?? '';
  if (credential === null || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const additional = fields.get('AdditionalHeaders');
  return {
    accessKeyId: credential[1]!, date: credential[2]!, region: credential[3]!, product: credential[4]!, signature,
    additionalHeaders: additional === undefined || additional === '' ? [] : additional.split(';').map((s) => s.toLowerCase()),
  };
}

/** RFC 3986 encoding, as ali-oss's encodeString does it. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** V4's string to sign for a request: the canonical request hashed under the credential's scope. */
export function stringToSignV4(request: SignedRequest, auth: V4Authorization): string {
  const h = request.headers;
  const names = new Set(auth.additionalHeaders);
  for (const name of h.keys()) if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) names.add(name);
  const headers = [...names].sort().map((name) => `${name}:${(h.get(name) ?? '').trim()}\n`).join('');
  const query = [...request.query].map(([k, v]) => [encode(k), v] as const).sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (v === '' ? k : `${k}=${encode(v)}`)).join('&');
  const canonical = [
    request.method.toUpperCase(),
    encode(`/${request.bucket}/${request.key}`).replace(/%2F/g, '/'),
    query,
    headers,
    auth.additionalHeaders.join(';'),
    h.get('x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.product}/aliyun_v4_request`;
  return ['OSS4-HMAC-SHA256', h.get('x-oss-date') ?? '', scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
}

export function signV4(secret: string, auth: V4Authorization, stringToSign: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, auth.date), auth.region), auth.product), 'aliyun_v4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}
