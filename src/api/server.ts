import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ConsoleApi } from './console/console-api.js';
import type { ConsoleAssets } from './console/console-assets.js';
import { isFileRoute, type CoverFiles } from './files.js';
import { hostIsBad } from './host-header.js';
import { REASON, type HttpRefusal } from './http-refusal.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import type { ObjectEndpoint } from './objects/object-endpoint.js';
import type { Gateway, RpcResponse } from './rpc/gateway.js';
import { wholeBody } from './rpc/render.js';
import { rpcGetPath, rpcRequestOf } from './rpc-get-path.js';
import type { HealthRoutes } from '../ops/health-routes.js';

export interface ServerDeps {
  readonly gateway: Gateway;
  readonly files: CoverFiles;
  readonly objects: ObjectEndpoint;
  /** The web console: its JSON API and its built files. */
  readonly console: { readonly api: ConsoleApi; readonly assets: ConsoleAssets };
  /** /healthz and /readyz for a load balancer in front of this port. */
  readonly health: HealthRoutes;
  /** A request body that stops coming for this long is dropped (an upload's staged file removed). */
  readonly bodyIdleMs: number;
  /** Largest request body accepted, bytes (uploads aside: they are counted against their own limit). */
  readonly bodyLimit: number;
  /** A pino logger (see createLogger, whose request serializer drops query strings), or none. */
  readonly logger?: import('fastify').FastifyBaseLogger | undefined;
  /** Told every answered request's surface, HTTP status and time, but the RPC API's (the gateway reports those, by Action). */
  readonly observe?: ((surface: Surface | 'health', status: number, seconds: number) => void) | undefined;
}

/** Which error shape a path answers in: VOD's, OSS's XML (files and objects), or the console's JSON. */
export type Surface = 'rpc' | 'oss' | 'console';

const EMPTY = Buffer.alloc(0);

/**
 * Builds the HTTP server without listening: the one file that knows Fastify. Every body is kept raw (V3
 * signs its hash); the gateway parses the query and form itself. Every refusal Fastify or Node would
 * answer on their own (unknown path, wrong method, body or headers too large, malformed HTTP, a stalled
 * request, shutting down) is answered here in the error shape of the surface the path belongs to.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  let closing = false;
  const surfaceOf = (method: string, url: string): Surface => {
    const path = url.split('?', 1)[0]!;
    if (path === '/console' || path.startsWith('/console/')) return 'console';
    if (path === '/') return 'rpc';
    if (isFileRoute(path) || path.startsWith(`/${deps.objects.bucket}/`)) return 'oss';
    // Other paths are object keys for the methods that write objects; a GET of one is not an API path.
    return method === 'GET' || method === 'HEAD' ? 'rpc' : 'oss';
  };
  const refusal = (kind: HttpRefusal, surface: Surface, id: string, url: string, accept: string | undefined) => {
    if (surface === 'oss') return deps.objects.refuse(kind, id);
    if (surface === 'console') return deps.console.api.refuse(kind);
    const at = url.indexOf('?');
    return deps.gateway.refuse(kind, id, { rawQuery: at < 0 ? '' : url.slice(at + 1), accept });
  };
  const refuse = (kind: HttpRefusal, request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? '/';
    const response = refusal(kind, surfaceOf(request.method, url), request.id, url, request.headers.accept);
    return reply.code(response.status).headers({ ...response.headers, ...(kind === 'timeout' ? { connection: 'close' } : {}) }).send(response.body);
  };

  const rpcGet = rpcGetPath(deps.gateway, () => closing, deps.logger);
  const app = Fastify({
    // Signed GETs of the API go to the gateway beside Fastify (see rpc-get-path.ts); everything else here.
    serverFactory: (handler) => {
      const dispatch = (req: IncomingMessage, res: ServerResponse) => {
        if (!rpcGet(req, res)) handler(req, res);
      };
      // An HTTP/1.1 request without Host is still refused (RFC 9112), but by the onRequest hook below, in
      // the surface's shape: Node's own answer is a bare 400. So are a repeated Host and one that is no host.
      const server = createServer({ requireHostHeader: false }, dispatch);
      // An Expect other than 100-continue is served as if it were absent (RFC 9110 allows that or a 417);
      // Node's own answer would be a bare 417.
      server.on('checkExpectation', dispatch);
      // CONNECT is a proxy's method, no method of this server: VOD's 405, where Node would just close.
      server.on('connect', (_req: IncomingMessage, socket: Socket) => {
        if (socket.writable) endRaw(socket, deps.gateway.refuse('method_not_allowed', randomUUID().toUpperCase()));
        else socket.destroy();
      });
      // What Fastify sets on a server it makes itself (its defaults); it leaves a factory's server alone.
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      return server;
    },
    bodyLimit: deps.bodyLimit,
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    // The id each request is logged under is the RequestId (x-acs-request-id, x-oss-request-id) it gets.
    genReqId: () => randomUUID().toUpperCase(),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // Answered in the surface's own shape by the onRequest hook below, not with Fastify's JSON.
    return503OnClosing: false,
    // Nothing reads Fastify's parsed query: the gateway parses the raw one (and checks its encoding), the
    // other surfaces parse their URLs. Parsing it twice was a twentieth of a signed call's cost.
    routerOptions: { querystringParser: () => ({}) },
    childLoggerFactory: lazyRequestLogger,
    // A URL the router cannot decode (a bad % escape in the path).
    frameworkErrors: (error, request, reply) => refuse(error.code === 'FST_ERR_BAD_URL' ? 'bad_encoding' : 'bad_request', request, reply),
    // What Node's HTTP parser refuses before there is a request: the path is unknown, so VOD's XML.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      const kind: HttpRefusal = error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'timeout' : 'bad_request';
      if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      endRaw(socket, deps.gateway.refuse(kind, randomUUID().toUpperCase()));
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    if (closing) return refuse('unavailable', request, reply);
    if (hostIsBad(request.raw)) return refuse('bad_request', request, reply);
    if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return;
    // Object uploads keep their own idle timer (set by their handler). Any other body that stalls gets a
    // 408; the timer is the socket's, cleared when the answer is out, or it would close the kept-alive
    // connection.
    if (surfaceOf(request.method, request.raw.url ?? '/') === 'oss') return;
    reply.raw.once('finish', () => request.raw.setTimeout(0));
    request.raw.setTimeout(deps.bodyIdleMs, () => {
      if (!reply.sent && !reply.raw.headersSent) {
        void refuse('timeout', request, reply);
        reply.raw.once('finish', () => request.raw.destroy());
      } else {
        request.raw.destroy();
      }
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
  });

  const rpc = async (request: FastifyRequest, reply: FastifyReply) => {
    const target = request.raw.url ?? '/';
    const queryAt = target.indexOf('?');
    // A person's browser at the root goes to the console; an API client without an Action still gets VOD's error.
    if (request.method === 'GET' && queryAt < 0 && (request.headers.accept ?? '').includes('text/html')) return reply.redirect('/console/', 302);
    const response = await deps.gateway.handle(rpcRequestOf(request.raw, request.id, Buffer.isBuffer(request.body) ? request.body : EMPTY));
    return reply.code(response.status).headers(response.headers).send(wholeBody(response));
  };
  app.get('/', rpc);
  app.post('/', rpc);
  // OPTIONS too: a preflight of the API would get the object endpoint's CORS answer (its '/*'), which
  // allows none of the x-acs-* headers a signed call from a browser would need.
  app.route({ method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/', handler: (request, reply) => refuse('method_not_allowed', request, reply) });

  // Every surface but the RPC API, in a scope of its own so that timing them (onResponse) costs the API's
  // hot path nothing: the gateway reports its own requests, by Action.
  void app.register(async (surfaces) => {
    const observe = deps.observe;
    if (observe !== undefined) {
      surfaces.addHook('onResponse', (request, reply, done) => {
        const url = request.raw.url ?? '/';
        observe(url === '/healthz' || url === '/readyz' ? 'health' : surfaceOf(request.method, url), reply.statusCode, reply.elapsedTime / 1000);
        done();
      });
    }
    const file = async (request: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(request.raw.url ?? '/', 'http://local');
      const response = await deps.files.serve(url.pathname, {
        authKey: url.searchParams.get('auth_key') ?? undefined, process: url.searchParams.get('x-oss-process') ?? undefined,
        range: request.headers.range, ifNoneMatch: request.headers['if-none-match'],
      });
      if (response.refusal !== undefined) return refuse(response.refusal, request, reply);
      if (response.failure !== undefined) {
        const failed = deps.objects.fail(response.failure, request.id);
        return reply.code(failed.status).headers(failed.headers).send(failed.body);
      }
      return reply.code(response.status).headers(response.headers).send(response.body);
    };
    surfaces.get('/:videoId/image/ai/:name', file);
    surfaces.get('/image/:type/:name', file);
    surfaces.get('/:videoId/video/:name', file);
    surfaces.get('/:videoId/snapshots/:jobId/:name', file);

    // The object endpoint: every other path is an object key. Its bodies are not buffered (a video can be
    // gigabytes): the raw request stream goes to the endpoint, which counts it against the upload limit.
    void surfaces.register(async (objects) => {
      objects.removeAllContentTypeParsers();
      objects.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        // No total time limit (a large upload on a slow link takes long), but a body that stalls is dropped.
        request.raw.setTimeout(deps.bodyIdleMs, () => request.raw.destroy());
        const response = await deps.objects.handle({
          id: request.id,
          method: request.method,
          url: request.raw.url ?? '/',
          headers: new Map(Object.entries(request.raw.headersDistinct).map(([k, v]) => [k, v?.[0] ?? ''])),
          body: request.raw,
        });
        return reply.code(response.status).headers(response.headers).send(response.body);
      };
      objects.route({ method: ['PUT', 'POST', 'DELETE', 'OPTIONS'], url: '/*', handler });
      objects.get(`/${deps.objects.bucket}/*`, handler);
    });

    // The web console: /console/ is the page, /console/<file> its build, /console/api/* its JSON API.
    const consoleApi = async (request: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(request.raw.url ?? '/', 'http://local');
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const response = await deps.console.api.handle({
        method: request.method, path: url.pathname, query: url.searchParams, headers,
        body: Buffer.isBuffer(request.body) ? request.body : EMPTY,
        client: request.ip, secure: request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https',
      });
      return reply.code(response.status).headers({ ...response.headers, 'x-request-id': request.id }).send(response.body);
    };
    surfaces.all('/console/api/*', consoleApi);
    surfaces.get('/console', (_request, reply) => reply.redirect('/console/', 301));
    surfaces.get('/console/*', async (request, reply) => {
      const name = (request.params as { '*': string })['*'];
      const response = await deps.console.assets.serve(name, request.headers['if-none-match']);
      if (response.status === 404) return refuse('not_found', request, reply);
      return reply.code(response.status).headers(response.headers).send(response.body);
    });

    surfaces.get('/healthz', (_request, reply) => reply.header('cache-control', 'no-store').send(deps.health.live()));
    surfaces.get('/readyz', async (_request, reply) => {
      const report = await deps.health.ready();
      return reply.code(report.ready ? 200 : 503).header('cache-control', 'no-store').send(report);
    });
  });

  app.setNotFoundHandler((request, reply) => {
    // A path that exists with another method (POST to a cover's URL, PUT to /readyz) is a wrong method.
    const path = (request.raw.url ?? '/').split('?', 1)[0]!;
    const known = ['/healthz', '/readyz'].includes(path) || isFileRoute(path);
    return refuse(known ? 'method_not_allowed' : 'not_found', request, reply);
  });
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    const kind: HttpRefusal = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : status === 408 ? 'timeout' : status === 503 ? 'unavailable' : status >= 400 && status < 500 ? 'bad_request' : 'internal';
    if (kind === 'internal') request.log.error({ err: error }, 'unhandled error');
    return refuse(kind, request, reply);
  });
  return app;
}

/** Writes a whole answer straight to a socket that has no request Node could answer on, and closes it. */
function endRaw(socket: Socket, response: RpcResponse): void {
  const headers = Object.entries({ ...response.headers, 'content-length': String(response.length), connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${response.status} ${REASON[response.status] ?? 'Error'}\r\n${headers}\r\n${wholeBody(response)}`);
}
