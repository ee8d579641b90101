import { randomUUID } from 'node:crypto';
import decodeUriComponent from 'fast-decode-uri-component';
import type { AccessKey } from '../../covers/model.js';
import type { Clock } from '../../covers/ports.js';
import { toAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { Params } from './params.js';
import { checkWireTime } from './wire-time.js';
import { renderError, SuccessRenderer, type RenderedBody, type WireFormat, type WireObject } from './render.js';
import type { HttpRefusal } from '../http-refusal.js';
import { fromAppError, fromRefusal, RpcError, rpcErrors } from './rpc-error.js';
import { canonicalRequestV3, hmacKeys, parseV3Authorization, sameSignature, sha256Hex, signV1, signV3, stringToSignV1, type HmacKeys } from './signature.js';

export const API_VERSION = '2017-03-21';
const WINDOW_MS = 15 * 60_000;
const V3_REQUIRED_HEADERS = ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
const V1_REQUIRED_PARAMETERS = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureNonce'];

/** An HTTP request as the gateway needs it; server.ts builds it from Node's, without copying headers. */
export interface RpcRequest {
  /** The id the server logs this request under, returned as RequestId; a fresh one when absent. */
  readonly id?: string;
  readonly method: string;
  /** The query string as sent (what follows '?'), still percent-encoded. */
  readonly rawQuery: string;
  readonly rawBody: Buffer;
  /** Lower-case names; a repeated header's values joined with ", " (Node's parsed headers). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Every value of every repeated header, apart (V3 signs them so); built only when asked for. */
  readonly distinctHeaders: () => Readonly<Record<string, readonly string[] | undefined>>;
}

/** `body`, then `rest` when there is one: see SuccessRenderer (wholeBody joins them). */
export interface RpcResponse extends RenderedBody {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** An error is rendered whole: its body is all text. */
export type RpcErrorResponse = RpcResponse & { readonly rest: undefined };

export interface RpcContext {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly now: Date;
  /** Where FileURLs point: the configured public URL, else the host the client called. */
  readonly baseUrl: string;
}

export interface RpcAction {
  readonly name: string;
  handle(params: Params, context: RpcContext): Promise<WireObject>;
}

export interface GatewayDeps {
  readonly findAccessKey: (id: string) => Promise<AccessKey | undefined>;
  readonly rememberNonce: (keyId: string, nonce: string, expiresAt: Date, now: Date) => Promise<boolean>;
  readonly actions: ReadonlyMap<string, RpcAction>;
  readonly clock: Clock;
  /** Takes a request from the key's budget: 0 when allowed, else the seconds to wait. */
  readonly rateLimit: (keyId: string, nowMs: number) => number | Promise<number>;
  readonly hostId: string;
  readonly recommendBase: string;
  readonly maxParameters: number;
  /** Base of FileURLs; empty: http://<Host header>. */
  readonly publicUrl: string;
  readonly log: Logger;
  /**
   * Told each request's Action (one of `actions`, else "unknown"), its code ("OK" on success) and its time;
   * what the HTTP layer refused before the gateway could read it comes without a time.
   */
  readonly observe?: ((action: string, code: string, seconds?: number) => void) | undefined;
}

/**
 * The RPC gateway: parameters from the query and the form body, format, signature V1 or V3 with the
 * 15-minute window and nonce replay protection, the per-key rate limit, dispatch on Action, and rendering
 * in JSON or XML. Every failure is an RpcError by the time it is rendered; this is the one place where
 * that translation happens.
 */
export class Gateway {
  private readonly renderer = new SuccessRenderer();
  /** Prepared HMAC keys per key record (findAccessKey hands out the same record while it caches it). */
  private readonly keys = new WeakMap<AccessKey, HmacKeys>();

  constructor(private readonly deps: GatewayDeps) {}

  async handle(request: RpcRequest): Promise<RpcResponse> {
    const started = this.deps.observe === undefined ? 0 : performance.now();
    const requestId = request.id ?? randomUUID().toUpperCase();
    const isV3 = first(request.headers, 'authorization')?.startsWith('ACS3-') === true;
    let format: WireFormat = 'XML';
    let action = '';
    try {
      const query = parsePairs(request.rawQuery);
      const isForm = (first(request.headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
      const form = isForm && request.rawBody.length > 0 ? parsePairs(request.rawBody.toString('utf8')) : undefined;
      const pairs = form === undefined ? query : [...query, ...form];
      const params = new Map(pairs);
      // The format first, so that every later error is in the format the client asked for.
      format = resolveFormat(params.get('Format'), first(request.headers, 'accept'), isV3);
      if (query.malformed === true || form?.malformed === true) throw rpcErrors.badEncoding();
      if (pairs.length > this.deps.maxParameters) throw rpcErrors.invalid('parameters', `at most ${this.deps.maxParameters} are accepted.`);
      // Read before the signature is checked so that a refusal is counted under the Action it was for.
      action = params.get('Action') ?? first(request.headers, 'x-acs-action') ?? '';
      const now = this.deps.clock.now();
      const key = isV3 ? await this.verifyV3(request, query, now) : await this.verifyV1(request, pairs, params, now);
      // The embedded limiter answers at once: awaiting a plain number would still cost a turn of the
      // microtask queue behind every other request's continuation.
      const limited = this.deps.rateLimit(key.id, now.getTime());
      const wait = typeof limited === 'number' ? limited : await limited;
      if (wait > 0) throw rpcErrors.throttled(wait);

      if (action === '') throw rpcErrors.missing('Action');
      const version = params.get('Version') ?? first(request.headers, 'x-acs-version') ?? '';
      if (version === '') throw rpcErrors.missing('Version');
      const handler = this.deps.actions.get(action);
      if (handler === undefined) throw rpcErrors.actionNotFound(action);
      if (version !== API_VERSION) throw rpcErrors.invalid('Version', `only ${API_VERSION} is supported.`);

      const baseUrl = this.deps.publicUrl !== '' ? this.deps.publicUrl : `http://${first(request.headers, 'host') ?? 'localhost'}`;
      const fields = await handler.handle(new Params(params), { accountId: key.accountId, accessKeyId: key.id, now, baseUrl });
      const { body, rest, type, length } = this.renderer.render(format, action, requestId, fields);
      this.deps.observe?.(action, 'OK', (performance.now() - started) / 1000);
      return { status: 200, headers: { 'content-type': type, 'x-acs-request-id': requestId }, body, rest, length };
    } catch (error) {
      const rpc = this.toRpcError(error, action);
      this.deps.observe?.(this.deps.actions.has(action) ? action : 'unknown', rpc.code, (performance.now() - started) / 1000);
      return this.errorResponse(rpc, format, requestId);
    }
  }

  /**
   * VOD's error body for what the HTTP layer refused, in the format the request asked for when its query
   * can still be read (else XML, VOD's default). `request` is empty for a request that never parsed.
   */
  refuse(refusal: HttpRefusal, requestId: string, request: { rawQuery?: string; accept?: string } = {}): RpcErrorResponse {
    let format: WireFormat = 'XML';
    try {
      const asked = /(?:^|&)Format=([A-Za-z]{3,4})(?:&|$)/.exec(request.rawQuery ?? '')?.[1];
      format = resolveFormat(asked, request.accept, request.accept?.includes('application/json') === true);
    } catch {
      // An unknown Format: the default.
    }
    const rpc = fromRefusal(refusal);
    this.deps.observe?.('unknown', rpc.code);
    return this.errorResponse(rpc, format, requestId);
  }

  private errorResponse(rpc: RpcError, format: WireFormat, requestId: string): RpcErrorResponse {
    const { body, type } = renderError(format, rpc, requestId, this.deps.hostId, recommendLink(this.deps.recommendBase, rpc.code));
    return { status: rpc.status, headers: { ...rpc.headers, 'content-type': type, 'x-acs-request-id': requestId }, body, rest: undefined, length: Buffer.byteLength(body) };
  }

  private toRpcError(error: unknown, action: string): RpcError {
    if (error instanceof RpcError) return error;
    const app = toAppError(error);
    if (app.kind === 'internal') this.deps.log.error({ err: app, details: app.details, action }, 'request failed');
    return fromAppError(app);
  }

  private async verifyV1(request: RpcRequest, pairs: readonly (readonly [string, string])[], params: ReadonlyMap<string, string>, now: Date): Promise<AccessKey> {
    for (const name of V1_REQUIRED_PARAMETERS) {
      if (!params.get(name)) throw rpcErrors.incompleteSignature(`the parameter ${name} is missing.`);
    }
    const timestamp = params.get('Timestamp');
    if (!timestamp) throw rpcErrors.missing('Timestamp');
    const method = params.get('SignatureMethod')!;
    if (method !== 'HMAC-SHA1') throw rpcErrors.signatureMethod(method);
    const signedAt = checkTimestamp(timestamp, now);
    const key = activeKey(await this.deps.findAccessKey(params.get('AccessKeyId')!));
    const expected = signV1(this.hmacKeys(key), stringToSignV1(request.method, pairs));
    if (!sameSignature(expected, params.get('Signature')!)) throw rpcErrors.signatureMismatch();
    if (!(await this.useNonce(key.id, params.get('SignatureNonce')!, signedAt, now))) throw rpcErrors.nonceUsed();
    return key;
  }

  private async verifyV3(request: RpcRequest, query: readonly (readonly [string, string])[], now: Date): Promise<AccessKey> {
    const auth = parseV3Authorization(first(request.headers, 'authorization') ?? '');
    if (auth === undefined) throw rpcErrors.incompleteSignature('the Authorization header is malformed.');
    if (auth.algorithm !== 'ACS3-HMAC-SHA256') throw rpcErrors.signatureMethod(auth.algorithm);
    const signed = auth.signedHeaders.map((h) => h.toLowerCase());
    for (const name of V3_REQUIRED_HEADERS) {
      if (!signed.includes(name)) throw rpcErrors.incompleteSignature(`the header ${name} must be signed.`);
      if (first(request.headers, name) === undefined) throw rpcErrors.incompleteSignature(`the header ${name} is missing.`);
    }
    const signedAt = checkTimestamp(first(request.headers, 'x-acs-date')!, now);
    const key = activeKey(await this.deps.findAccessKey(auth.accessKeyId));
    const payloadHash = first(request.headers, 'x-acs-content-sha256')!;
    const headers = new Map(Object.entries(request.distinctHeaders()).map(([k, v]) => [k, v ?? []]));
    const canonical = canonicalRequestV3({ method: request.method, query, headers, signedHeaders: signed, payloadHash });
    const valid = sameSignature(signV3(this.hmacKeys(key), canonical), auth.signature) && sameSignature(sha256Hex(request.rawBody), payloadHash);
    if (!valid) throw rpcErrors.signatureMismatch();
    if (!(await this.useNonce(key.id, first(request.headers, 'x-acs-signature-nonce')!, signedAt, now))) throw rpcErrors.nonceUsed();
    return key;
  }

  private hmacKeys(key: AccessKey): HmacKeys {
    let keys = this.keys.get(key);
    if (keys === undefined) this.keys.set(key, (keys = hmacKeys(key.secret)));
    return keys;
  }

  /**
   * Remembers a nonce until no timestamp that could carry it is valid any more; false when it was used.
   * Neither this nor activeKey is an async function of its own: each would add a promise and a turn of the
   * microtask queue to every request.
   */
  private useNonce(keyId: string, nonce: string, signedAt: Date, now: Date): Promise<boolean> {
    const expiresAt = new Date(Math.max(signedAt.getTime(), now.getTime()) + WINDOW_MS);
    return this.deps.rememberNonce(keyId, nonce.slice(0, 128), expiresAt, now);
  }
}

function activeKey(key: AccessKey | undefined): AccessKey {
  if (key === undefined) throw rpcErrors.keyNotFound();
  if (key.status !== 'Active') throw rpcErrors.keyInactive();
  return key;
}

function first(headers: RpcRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Name-value pairs, and whether some escape in the text was not valid percent-encoded UTF-8. */
type Pairs = [string, string][] & { malformed?: boolean };

/**
 * Parses a query string or form body as URLSearchParams would ('+' is a space), except that a bad escape
 * (a % without two hex digits, or bytes that are not UTF-8) is flagged instead of kept as text or replaced
 * with U+FFFD: either way the client would get SignatureDoesNotMatch and never learn why. Measured: a
 * twentieth of a signed call's cost with URLSearchParams, a third of that with fast-decode-uri-component.
 */
function parsePairs(text: string): Pairs {
  const pairs: Pairs = [];
  if (text === '') return pairs;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    if (name === null || value === null) pairs.malformed = true;
    else pairs.push([name, value]);
  }
  return pairs;
}

function decodeComponent(text: string): string | null {
  const spaced = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  return spaced.includes('%') ? decodeUriComponent(spaced) : spaced;
}

/** JSON or XML, case-insensitive; without Format, XML, except a V3 request that accepts JSON. */
export function resolveFormat(format: string | undefined, accept: string | undefined, isV3: boolean): WireFormat {
  if (format !== undefined && format !== '') {
    const upper = format.toUpperCase();
    if (upper === 'JSON' || upper === 'XML') return upper;
    throw rpcErrors.invalidFormat(format.slice(0, 32));
  }
  return isV3 && accept?.includes('application/json') === true ? 'JSON' : 'XML';
}

/** yyyy-MM-ddTHH:mm:ssZ (UTC, fractions of a second allowed), within 15 minutes of now. */
export function checkTimestamp(value: string, now: Date): Date {
  const at = checkWireTime(value);
  if (at === undefined) throw rpcErrors.timestampFormat(value.slice(0, 40));
  if (Math.abs(at.getTime() - now.getTime()) > WINDOW_MS) throw rpcErrors.timestampExpired(value);
  return at;
}

/** The troubleshooting link for a code: the docs' errors section, with the code in the query. */
export function recommendLink(base: string, code: string): string {
  const url = new URL(base);
  url.searchParams.set('code', code);
  return url.toString();
}

