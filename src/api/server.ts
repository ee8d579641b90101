import Fastify, { type FastifyInstance } from 'fastify';
import { lazyRequestLogger } from './lazy-request-logger.js';
import type { ConsoleApi } from './console/console-api.js';
import type { ConsoleAssets } from './console/console-assets.js';
import type { CoverFiles } from './files.js';
import type { ObjectEndpoint } from './objects/object-endpoint.js';
import type { Gateway } from './rpc/gateway.js';

export interface ServerDeps {
  readonly gateway: Gateway;
  readonly files: CoverFiles;
  readonly objects: ObjectEndpoint;
  /** The web console: its JSON API and its built files. */
  readonly console: { readonly api: ConsoleApi; readonly assets: ConsoleAssets };
  /** An upload whose bytes stop coming for this long is dropped (its staged file removed). */
  readonly objectIdleMs: number;
  /** Largest request body accepted, bytes. */
  readonly bodyLimit: number;
  /** A pino logger (see createLogger, whose request serializer drops query strings), or none. */
  readonly logger?: import('fastify').FastifyBaseLogger | undefined;
}

/**
 * Builds the HTTP server without listening: the one file that knows Fastify. Every body is kept raw (V3
 * signs its hash) and form bodies are parsed here; the gateway sees plain pairs and headers.
 */
const EMPTY = Buffer.alloc(0);

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: deps.bodyLimit,
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    return503OnClosing: true,
    // Nothing reads Fastify's parsed query: the gateway parses the raw one (and checks its encoding), the
    // other surfaces parse their URLs. Parsing it twice was a twentieth of a signed call's cost.
    querystringParser: () => ({}),
    childLoggerFactory: lazyRequestLogger,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const rpc = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const target = request.raw.url ?? '/';
    const queryAt = target.indexOf('?');
    // A person's browser at the root goes to the console; an API client without an Action still gets VOD's error.
    if (request.method === 'GET' && queryAt < 0 && (request.headers.accept ?? '').includes('text/html')) return reply.redirect('/console/', 302);
    const raw = request.raw;
    const response = await deps.gateway.handle({
      method: request.method,
      rawQuery: queryAt < 0 ? '' : target.slice(queryAt + 1),
      rawBody: Buffer.isBuffer(request.body) ? request.body : EMPTY,
      headers: raw.headers,
      distinctHeaders: () => raw.headersDistinct,
    });
    return reply.code(response.status).headers(response.headers).send(response.body);
  };
  app.get('/', rpc);
  app.post('/', rpc);

  const file = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const url = new URL(request.raw.url ?? '/', 'http://local');
    const response = await deps.files.serve(url.pathname, url.searchParams.get('auth_key') ?? undefined, request.headers.range);
    return reply.code(response.status).headers(response.headers).send(response.body);
  };
  app.get('/:videoId/image/ai/:name', file);
  app.get('/image/:type/:name', file);
  app.get('/:videoId/video/:name', file);

  // The object endpoint: every other path is an object key. Its bodies are not buffered (a video can be
  // gigabytes): the raw request stream goes to the endpoint, which counts it against the upload limit.
  void app.register(async (objects) => {
    objects.removeAllContentTypeParsers();
    objects.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const handler = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      // No total time limit (a large upload on a slow link takes long), but a body that stalls is dropped.
      request.raw.setTimeout(deps.objectIdleMs, () => request.raw.destroy());
      const response = await deps.objects.handle({
        method: request.method,
        url: request.raw.url ?? '/',
        headers: new Map(Object.entries(request.raw.headersDistinct).map(([k, v]) => [k, v?.[0] ?? ''])),
        body: request.raw,
      });
      return reply.code(response.status).headers(response.headers).send(response.body);
    };
    objects.route({ method: ['PUT', 'POST', 'DELETE', 'OPTIONS', 'GET'], url: '/*', handler });
  });

  // The web console: /console/ is the page, /console/<file> its build, /console/api/* its JSON API.
  const consoleApi = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const url = new URL(request.raw.url ?? '/', 'http://local');
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const response = await deps.console.api.handle({
      method: request.method, path: url.pathname, query: url.searchParams, headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      client: request.ip, secure: request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https',
    });
    return reply.code(response.status).headers(response.headers).send(response.body);
  };
  app.all('/console/api/*', consoleApi);
  app.get('/console', (_request, reply) => reply.redirect('/console/', 301));
  app.get('/console/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const response = await deps.console.assets.serve(name, request.headers['if-none-match']);
    return reply.code(response.status).headers(response.headers).send(response.body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain').send('Not Found\n'));
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    // Fastify's own refusals (body too large, malformed request) keep their status; anything else is ours.
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) app.log.error({ err: error }, 'unhandled error');
    return reply.code(status).type('text/plain').send(status === 500 ? 'Internal Server Error\n' : `${error.message}\n`);
  });
  return app;
}
