import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedEvent {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, string>;
}

/** An HTTP server on loopback that takes the service's event callbacks (200 to each) and keeps them. */
export async function startCallbackReceiver(path = '/hook'): Promise<{ url: string; received: ReceivedEvent[]; close: () => void }> {
  const received: ReceivedEvent[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as Record<string, string> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`, received, close: () => server.close() };
}
