import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthRoutes } from './health-routes.js';

/** What the operations port serves. */
export interface OpsRoutes {
  readonly health: HealthRoutes;
  /** The Prometheus text exposition and its content type. */
  readonly metrics: () => Promise<{ body: string; contentType: string }>;
}

export interface OpsListener {
  /** http://host:port, as bound (port 0 picks a free one). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * The operations port: /healthz, /readyz and /metrics for an orchestrator and a Prometheus scraper, apart
 * from the API so that metrics are never on the public port (bind it to a private address; it has no
 * authentication). A plain node:http server: three read-only routes need no framework, and a worker
 * process, which serves no API, gets it without loading one.
 */
export async function startOpsListener(routes: OpsRoutes, port: number, host: string): Promise<OpsListener> {
  const server = createServer((request, response) => {
    void answer(routes, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, 'application/json', '{"error":"internal error"}');
      else response.destroy();
    });
  });
  // An idle scraper's keep-alive connection must not hold shutdown up.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    address: `http://${shown}:${bound.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function answer(routes: OpsRoutes, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?', 1)[0];
  const known = path === '/healthz' || path === '/readyz' || path === '/metrics';
  if (!known) return send(response, 404, 'application/json', JSON.stringify({ error: 'not found: this port serves /healthz, /readyz and /metrics' }));
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return send(response, 405, 'application/json', '{"error":"use GET"}');
  }
  if (path === '/healthz') return send(response, 200, 'application/json', JSON.stringify(routes.health.live()));
  if (path === '/readyz') {
    const report = await routes.health.ready();
    return send(response, report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
  }
  const { body, contentType } = await routes.metrics();
  return send(response, 200, contentType, body);
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
