import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError, tooLargeError } from '../errors.js';

/**
 * Outbound HTTP to addresses users give us (UploadMediaByURL sources, job callbacks), with the limits a
 * server that fetches on behalf of others needs: http and https only; loopback, private, link-local and
 * other special addresses refused unless allowed (checked on the address actually connected to, so DNS
 * rebinding does not get around it); a size limit; a time limit; at most a few redirects, each checked.
 */
export interface OutboundPolicy {
  readonly allowPrivate: boolean;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96]] as const) blocked.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const usable = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to private or special addresses`), { code: 'EPRIVATE' });
        return callback(refused, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

interface Target {
  readonly url: URL;
}

function checkTarget(raw: string, policy: OutboundPolicy): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_argument', `not a URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('invalid_argument', `only http and https URLs can be fetched: ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
    throw new AppError('forbidden', `${host} is a private or special address; set SMARTCOVER_ALLOW_PRIVATE_URLS=true to allow it`);
  }
  return { url };
}

function request(target: Target, policy: OutboundPolicy, init: { method: string; headers?: Record<string, string>; body?: string }, signal?: AbortSignal) {
  const lib = target.url.protocol === 'https:' ? https : http;
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = lib.request(target.url, {
      method: init.method, headers: init.headers, lookup: guardedLookup(policy.allowPrivate), timeout: policy.timeoutMs, signal,
    }, resolve);
    req.on('timeout', () => req.destroy(new AppError('invalid_argument', `no answer from ${target.url.host} within ${policy.timeoutMs / 1000} s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof AppError) return reject(error);
      if (error.code === 'EPRIVATE') return reject(new AppError('forbidden', `${error.message}; set SMARTCOVER_ALLOW_PRIVATE_URLS=true to allow it`));
      reject(new AppError('invalid_argument', `cannot reach ${target.url.host}: ${error.code ?? error.message}`, { cause: error }));
    });
    req.end(init.body);
  });
}

/** Downloads `url` into `destination`; refuses what is too large, too slow, or not there. */
export async function downloadToFile(url: string, destination: string, policy: OutboundPolicy, signal?: AbortSignal): Promise<{ bytes: number }> {
  let target = checkTarget(url, policy);
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  for (let hop = 0; ; hop++) {
    const response = await request(target, policy, { method: 'GET' }, combined);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location !== undefined) {
      response.resume();
      if (hop >= policy.maxRedirects) throw new AppError('invalid_argument', `too many redirects fetching ${url.slice(0, 200)}`);
      target = checkTarget(new URL(response.headers.location, target.url).toString(), policy);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new AppError(status === 404 ? 'not_found' : 'invalid_argument', `fetching ${target.url.host}${target.url.pathname.slice(0, 100)} answered HTTP ${status}`);
    }
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > policy.maxBytes) {
      response.destroy();
      throw tooLarge(policy);
    }
    return save(response, destination, policy, combined);
  }
}

function tooLarge(policy: OutboundPolicy): AppError {
  return tooLargeError(policy.maxBytes, 'the file');
}

async function save(response: http.IncomingMessage, destination: string, policy: OutboundPolicy, signal: AbortSignal): Promise<{ bytes: number }> {
  const out = createWriteStream(destination);
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const abort = () => response.destroy(new AppError('invalid_argument', `the download took longer than ${policy.timeoutMs / 1000} s`));
      signal.addEventListener('abort', abort, { once: true });
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > policy.maxBytes) response.destroy(tooLarge(policy));
      });
      response.on('error', reject);
      out.on('error', reject);
      out.on('finish', resolve);
      response.pipe(out);
      response.on('close', () => signal.removeEventListener('abort', abort));
    });
    return { bytes };
  } catch (error) {
    out.destroy();
    await rm(destination, { force: true });
    throw error instanceof AppError ? error : new AppError('invalid_argument', `the download failed: ${(error as Error).message}`, { cause: error });
  }
}

/** POSTs a JSON body; resolves with the HTTP status (0 when there was no answer). */
export async function postJson(url: string, body: string, headers: Record<string, string>, policy: OutboundPolicy): Promise<number> {
  const target = checkTarget(url, policy);
  const response = await request(target, policy, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }, body });
  response.resume();
  return response.statusCode ?? 0;
}
