import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { hostIsBad } from './host-header.js';
import type { Gateway, RpcRequest, RpcResponse } from './rpc/gateway.js';

const EMPTY = Buffer.alloc(0);

/** Node's request as the gateway takes it, on either path: the query as sent, headers not copied. */
export function rpcRequestOf(req: IncomingMessage, id: string, rawBody: Buffer = EMPTY): RpcRequest {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  return { id, method: req.method ?? 'GET', rawQuery: queryAt < 0 ? '' : url.slice(queryAt + 1), rawBody, headers: req.headers, distinctHeaders: () => req.headersDistinct };
}

/**
 * The API's hot path, beside Fastify: a signed GET of `/?…` (what pop-core and most SDKs send) goes from
 * Node's request straight to the gateway, and its answer straight to Node's response. Everything else, and
 * this too while the server is closing, goes to Fastify (`handler`).
 *
 * Why: Fastify's request and reply objects, its hooks and its per-request logger cost a signed call CPU
 * and garbage, and under load the scavenges that garbage caused were much of the API's p99 (BENCHMARKS.md,
 * bench:api: with this path and the other cuts there, 69–79 → 49–60 µs a request). The gateway does all
 * the work that matters (parameters, signature, replay, rate limit, rendering, metrics) on either path, so
 * both answer the same; this one has no body to read. At info level it logs the same two lines per
 * request as Fastify does, under the same RequestId.
 */
export function rpcGetPath(gateway: Gateway, isClosing: () => boolean, logger: (FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }) | undefined) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url;
    // "/?" only: "/" alone may be a person's browser (redirected to the console by the Fastify route).
    if (req.method !== 'GET' || url === undefined || url.charCodeAt(0) !== 47 || url.charCodeAt(1) !== 63 || isClosing()) return false;
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return false;
    // A missing, repeated or malformed Host: Fastify's path refuses it (server.ts).
    if (hostIsBad(req)) return false;
    const id = randomUUID().toUpperCase();
    const log = logger !== undefined && (logger.isLevelEnabled?.('info') ?? true) ? logger : undefined;
    const started = log === undefined ? 0 : performance.now();
    log?.info({ requestId: id, req }, 'incoming request');
    const answer = (response: RpcResponse) => {
      // With its length, Node writes the head and the body as they are; without it, writeHead (which
      // renders the head at once) would have to choose chunked framing, and each body would go out as
      // four more pieces and a terminator for the client to parse.
      res.writeHead(response.status, { ...response.headers, 'content-length': response.length });
      if (response.rest === undefined) {
        res.end(response.body);
      } else {
        // Both go out in one write: corked here, end() uncorks (else write() corks, and uncorks on a
        // process.nextTick, one more per answer); the shared bytes are not copied.
        res.cork();
        res.write(response.body);
        res.end(response.rest);
      }
      log?.info({ requestId: id, res: { statusCode: response.status }, responseTime: performance.now() - started }, 'request completed');
    };
    gateway
      .handle(rpcRequestOf(req, id))
      .then(answer, (error: unknown) => {
        // The gateway answers its own failures; this is a bug in it, still answered in VOD's shape.
        logger?.error({ err: error, requestId: id }, 'unhandled error');
        answer(gateway.refuse('internal', id, { rawQuery: url.slice(2), accept: req.headers.accept }));
      });
    return true;
  };
}
