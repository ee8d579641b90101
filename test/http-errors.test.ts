import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looks as L, makeClip } from './support/clips.js';
import { signedQuery } from './support/raw-rpc.js';
import { ServerProcess } from './support/service.js';

/**
 * What the HTTP layer refuses, on a real `smartcover serve` over loopback: every refusal on the API's
 * paths is VOD's error body (JSON when the query asks for it, XML otherwise) with a code and the request
 * id; files and objects answer OSS's XML; the console its JSON. Raw sockets for what fetch cannot send.
 */
let server: ServerProcess;
const xml = new XMLParser();

beforeAll(async () => {
  server = await ServerProcess.start({ SMARTCOVER_BODY_LIMIT: '4096', SMARTCOVER_UPLOAD_IDLE_TIMEOUT: '1' });
});
afterAll(async () => {
  await server?.stop();
});

/** Sends `text` as it is and resolves with everything the server sent back before closing or 3 s. */
function raw(text: string | Buffer, keepOpenMs = 3000): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      const [head = '', body = ''] = received.split('\r\n\r\n', 2);
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    };
    socket.on('data', (d) => (received += d.toString('utf8')));
    socket.on('end', done);
    socket.on('error', (e) => (received === '' ? reject(e) : done()));
    setTimeout(done, keepOpenMs);
    socket.write(text);
  });
}

function vodJson(body: string): { Code: string; Message: string; RequestId: string } {
  const parsed = JSON.parse(body) as { Code: string; Message: string; RequestId: string; HostId: string; Recommend: string };
  expect(Object.keys(parsed).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  return parsed;
}

function vodXml(body: string): { Code: string; RequestId: string } {
  const parsed = xml.parse(body) as { Error?: { Code: string; RequestId: string; HostId: string } };
  expect(parsed.Error?.HostId).toBeTruthy();
  return parsed.Error!;
}

describe('refusals on the API port have VOD’s error shape', () => {
  it('an unknown path: InvalidApi.NotFound, in JSON when asked and XML by default', async () => {
    const json = await fetch(`${server.endpoint}/no/such/api?Format=JSON`);
    expect(json.status).toBe(404);
    expect(json.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = vodJson(await json.text());
    expect(body.Code).toBe('InvalidApi.NotFound');
    expect(json.headers.get('x-acs-request-id')).toBe(body.RequestId);

    const plain = await fetch(`${server.endpoint}/no/such/api`);
    expect(plain.headers.get('content-type')).toBe('text/xml;charset=utf-8');
    expect(vodXml(await plain.text()).Code).toBe('InvalidApi.NotFound');
  });

  it('a wrong method on the API path: UnsupportedHTTPMethod with Allow', async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH', 'OPTIONS']) {
      const response = await fetch(`${server.endpoint}/?Format=JSON`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect(vodJson(await response.text()).Code).toBe('UnsupportedHTTPMethod');
    }
  });

  it('a body over the limit: RequestBodyTooLarge, nothing else read', async () => {
    const response = await fetch(`${server.endpoint}/?Format=JSON`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=GetAITemplate&Pad=${'x'.repeat(10_000)}`,
    });
    expect(response.status).toBe(413);
    expect(vodJson(await response.text()).Code).toBe('RequestBodyTooLarge');
  });

  it('malformed percent-encoding in the query, the form or the path: InvalidParameter.Encoding', async () => {
    const query = signedQuery(server.credentials(), { Action: 'ListAIImageInfo', VideoId: 'a'.repeat(32) });
    const bad = await fetch(`${server.endpoint}/?${query}&Title=%zz`);
    expect(bad.status).toBe(400);
    expect(vodJson(await bad.text()).Code).toBe('InvalidParameter.Encoding');

    const form = await fetch(`${server.endpoint}/?Format=JSON`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=%E4%ZZ' });
    expect(vodJson(await form.text()).Code).toBe('InvalidParameter.Encoding');

    // Not valid UTF-8 either: refused rather than turned into U+FFFD (and a signature that cannot match).
    const bytes = await fetch(`${server.endpoint}/?Format=JSON&Action=%FF`);
    expect(vodJson(await bytes.text()).Code).toBe('InvalidParameter.Encoding');

    const path = await raw('GET /%zz/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(path.status).toBe(400);
    expect(vodXml(path.body).Code).toBe('InvalidParameter.Encoding');
  });

  it('headers over the limit: RequestHeaderTooLarge in XML (nothing of the request could be read)', async () => {
    const response = await raw(`GET /?Format=JSON HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
    expect(response.status).toBe(431);
    expect(response.headers).toContain('content-type: text/xml;charset=utf-8');
    expect(vodXml(response.body).Code).toBe('RequestHeaderTooLarge');
  });

  it('malformed HTTP: MalformedRequest', async () => {
    const response = await raw('THIS IS NOT HTTP\r\n\r\n');
    expect(response.status).toBe(400);
    expect(vodXml(response.body).Code).toBe('MalformedRequest');

    // HTTP/1.1 without Host, on the API's fast path (a GET of /?…) and another: still refused, in VOD's shape.
    const query = signedQuery(server.credentials(), { Action: 'ListAIImageInfo', VideoId: 'a'.repeat(32) });
    for (const target of [`/?${query}`, '/no/such/api?Format=JSON']) {
      const hostless = await raw(`GET ${target} HTTP/1.1\r\nConnection: close\r\n\r\n`);
      expect(hostless.status).toBe(400);
      expect(vodJson(hostless.body).Code).toBe('MalformedRequest');
    }
    // HTTP/1.0 needs none: the request is served.
    expect((await raw(`GET /?${query} HTTP/1.0\r\n\r\n`)).status).toBe(404);

    // Host sent twice, or a value that is no host[:port] (RFC 9112 §3.2; FileURLs are built from it).
    for (const hosts of ['Host: a\r\nHost: b', 'Host: a b<c>', 'Host: x/y', 'Host: [::1']) {
      for (const target of [`/?${query}`, '/no/such/api?Format=JSON']) {
        const refused = await raw(`GET ${target} HTTP/1.1\r\n${hosts}\r\nConnection: close\r\n\r\n`);
        expect(refused.status, hosts).toBe(400);
        expect(vodJson(refused.body).Code).toBe('MalformedRequest');
      }
    }
    // What clients send is served: a name with a port, an IPv4 or IPv6 literal.
    for (const host of ['covers.example.com:8080', '127.0.0.1', '[::1]:80']) {
      const signed = signedQuery(server.credentials(), { Action: 'ListAIImageInfo', VideoId: 'a'.repeat(32) });
      expect((await raw(`GET /?${signed} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status, host).toBe(404);
    }
  });

  it('CONNECT: UnsupportedHTTPMethod, not a closed socket', async () => {
    const response = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(response.status).toBe(405);
    expect(response.headers).toContain('allow: get, post');
    expect(vodXml(response.body).Code).toBe('UnsupportedHTTPMethod');
  });

  it('an Expect other than 100-continue is ignored: the request is answered as any other', async () => {
    const query = signedQuery(server.credentials(), { Action: 'ListAIImageInfo', VideoId: 'a'.repeat(32) });
    const get = await raw(`GET /?${query} HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n`);
    expect(get.status).toBe(404);
    expect(vodJson(get.body).Code).toBe('InvalidVideo.NotFound');
    const post = await raw(`POST /?Format=JSON HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\nConnection: close\r\n\r\nAction=GetAITemplate`);
    expect(post.status).toBe(400);
    expect(vodJson(post.body).Code).toBe('IncompleteSignature');
  });

  it('a body that stops coming: RequestTimeout after the idle timeout', async () => {
    const started = Date.now();
    const response = await raw('POST /?Format=JSON HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=', 4000);
    expect(response.status).toBe(408);
    expect(vodJson(response.body).Code).toBe('RequestTimeout');
    expect(Date.now() - started).toBeLessThan(3500);
  });
});

describe('the other surfaces keep their own shapes', () => {
  it('a cover URL with a bad auth_key gets OSS’s AccessDenied; an object write without a signature too', async () => {
    const file = await fetch(`${server.endpoint}/${'a'.repeat(32)}/image/ai/${'b'.repeat(32)}-00001.png?auth_key=1-2-0-${'c'.repeat(32)}`);
    expect(file.status).toBe(403);
    expect(file.headers.get('content-type')).toBe('application/xml');
    expect((xml.parse(await file.text()) as { Error: { Code: string } }).Error.Code).toBe('AccessDenied');

    const put = await fetch(`${server.endpoint}/smartcover-uploads/x/video.mp4`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect((xml.parse(await put.text()) as { Error: { Code: string } }).Error.Code).toBe('AccessDenied');
  });

  it('an unknown console API gets the console’s JSON', async () => {
    const response = await fetch(`${server.endpoint}/console/api/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NotFound');
  });
});

describe('health', () => {
  it('/healthz answers; /readyz is 503 while the data directory is read-only and 200 again after', async () => {
    expect(await (await fetch(`${server.endpoint}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.endpoint}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ database: 'ok', queue: 'ok', storage: 'ok', ffmpeg: 'ok' });

    const media = join(server.dataDir, 'media');
    mkdirSync(media, { recursive: true });
    // Root ignores permission bits: the immutable attribute stops even root from adding files.
    const lock = (on: boolean) => (process.getuid?.() === 0 ? execFileSync('chattr', [on ? '+i' : '-i', media]) : execFileSync('chmod', [on ? '0555' : '0755', media]));
    lock(true);
    try {
      await new Promise((r) => setTimeout(r, 1100));
      const down = await fetch(`${server.endpoint}/readyz`);
      expect(down.status).toBe(503);
      const report = (await down.json()) as { ready: boolean; checks: Record<string, string> };
      expect(report.ready).toBe(false);
      expect(report.checks['storage']).not.toBe('ok');
      expect(report.checks['database']).toBe('ok');
    } finally {
      lock(false);
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(200);
  });
});

describe('request logs', () => {
  it('at info, each API call is logged under the RequestId it answered with (GET and form POST), by path, never with its query or form', async () => {
    const logged = await ServerProcess.start({ SMARTCOVER_LOG_LEVEL: 'info' });
    try {
      const credentials = logged.credentials();
      const get = await fetch(`${logged.endpoint}/?${signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: 'no-such-video' })}`);
      const form = signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId: 'no-such-video' }, {}, 'POST');
      const post = await fetch(`${logged.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      for (const response of [get, post]) {
        const id = response.headers.get('x-acs-request-id')!;
        expect(id).toMatch(/^[0-9A-F-]{36}$/);
        expect(((await response.json()) as { RequestId: string }).RequestId).toBe(id);
      }
      await new Promise((r) => setTimeout(r, 300));
      const lines = logged.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const response of [get, post]) {
        const mine = lines.filter((l) => l['requestId'] === response.headers.get('x-acs-request-id'));
        expect(mine.map((l) => l['msg'])).toEqual(['incoming request', 'request completed']);
        expect(mine[0]!['req']).toEqual({ method: response === get ? 'GET' : 'POST', path: '/' });
        expect(mine[1]!['res']).toMatchObject({ statusCode: response.status });
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
      // (The first run prints the new credentials once, on its banner; the log lines never carry them.)
      const log = logged.output.split('\n').filter((l) => l.startsWith('{')).join('\n');
      expect(log).not.toContain('Signature');
      expect(log).not.toContain(credentials.AccessKeySecret);
    } finally {
      await logged.stop();
    }
  });
});

describe('framing', () => {
  it('an API answer carries its length in bytes and is never chunked: errors and successes, GET and form POST, JSON and XML', async () => {
    const credentials = server.credentials();
    const get = (params: Record<string, string>) => raw(`GET /?${signedQuery(credentials, params)} HTTP/1.1\r\nHost: x\r\n\r\n`, 500);
    const form = signedQuery(credentials, { Action: 'ListAITemplate', TemplateType: 'AIImage', Format: 'JSON' }, {}, 'POST');
    // An unknown Format is echoed in the message: a multi-byte character makes bytes and characters differ.
    const xmlError = await get({ Action: 'ListAIImageInfo', VideoId: 'f'.repeat(32), Format: 'JSÖN' });
    expect(vodXml(xmlError.body).Code).toBe('InvalidParameter.Format');
    expect(xmlError.body).toContain('JSÖN');
    const jsonError = await get({ Action: 'ListAIImageInfo', VideoId: 'f'.repeat(32), Format: 'JSON' });
    expect(vodJson(jsonError.body).Code).toBe('InvalidVideo.NotFound');
    const successes = [
      await get({ Action: 'ListAITemplate', TemplateType: 'AIImage', Format: 'JSON' }),
      await raw(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(form)}\r\n\r\n${form}`, 500),
    ];
    for (const success of successes) expect([success.status, success.body]).toEqual([200, expect.stringContaining('"RequestId"')]);
    for (const answer of [xmlError, jsonError, ...successes]) {
      expect(answer.headers).not.toContain('transfer-encoding');
      expect(answer.headers).toContain(`\r\ncontent-length: ${Buffer.byteLength(answer.body)}\r\n`);
    }
  });

  it('signed GETs pipelined on one connection each get their own whole answer, in order', async () => {
    // A list answered from the cover cache is written in two pieces on a corked socket (render.ts,
    // rpc-get-path.ts); an answer queued behind another has no socket yet when it is written, and must
    // still go out whole once it gets one.
    const imported = await server.cli(['videos', 'import', await makeClip('pipelined.mp4', [L.testsrc(1)]), '--json']);
    const VideoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
    const credentials = server.credentials();
    const formats = ['JSON', 'JSON', 'XML', 'JSON', 'JSON'];
    const requests = formats.map((Format) => `GET /?${signedQuery(credentials, { Action: 'ListAIImageInfo', VideoId, Format })} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const { answers } = await new Promise<{ answers: { headers: string; body: string }[] }>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = Buffer.alloc(0);
      const answers: { headers: string; body: string }[] = [];
      const timer = setTimeout(() => { socket.destroy(); resolve({ answers }); }, 5000);
      socket.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
        for (let end = received.indexOf('\r\n\r\n'); end >= 0; end = received.indexOf('\r\n\r\n')) {
          const headers = received.subarray(0, end).toString('latin1').toLowerCase();
          const length = Number(/\r\ncontent-length: (\d+)/.exec(headers)?.[1]);
          if (received.length < end + 4 + length) break;
          answers.push({ headers, body: received.subarray(end + 4, end + 4 + length).toString('utf8') });
          received = received.subarray(end + 4 + length);
        }
        if (answers.length === formats.length) { clearTimeout(timer); socket.destroy(); resolve({ answers }); }
      });
      socket.on('error', reject);
      socket.write(requests.join(''));
    });
    expect(answers.length).toBe(formats.length);
    answers.forEach((answer, i) => {
      expect(answer.headers).toMatch(/^http\/1\.1 200 /);
      const id = /\r\nx-acs-request-id: (\S+)/.exec(answer.headers)![1]!.toUpperCase();
      const body = formats[i] === 'JSON' ? (JSON.parse(answer.body) as { RequestId: string }) : (xml.parse(answer.body) as { ListAIImageInfoResponse: { RequestId: string } }).ListAIImageInfoResponse;
      expect(body.RequestId).toBe(id);
    });
    expect(new Set(answers.map((a) => a.headers.match(/x-acs-request-id: (\S+)/)![1])).size).toBe(formats.length);
  });
});
