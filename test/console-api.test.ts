import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looks as L, makeClip } from './support/clips.js';
import { ServerProcess } from './support/service.js';

/** The console's JSON API over real HTTP: what a person (or a script) can get wrong, and the player's source. */
describe('the console API', () => {
  let server: ServerProcess;
  let cookie = '';
  let csrf = '';
  let videoId = '';

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => fetch(`${server.endpoint}/console/api${path}`, {
    method, headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const error = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error });

  beforeAll(async () => {
    server = await ServerProcess.start({ SMARTCOVER_LOG_LEVEL: 'info' });
    const clip = await makeClip('console-api.mp4', [L.testsrc(2), L.mandelbrot(2)], { width: 320, height: 180 });
    const imported = await server.cli(['videos', 'import', clip, '--json']);
    videoId = (JSON.parse(imported.stdout) as { VideoId: string }).VideoId;
    const { AccessKeyId, AccessKeySecret } = server.credentials();
    const signIn = await fetch(`${server.endpoint}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: AccessKeyId, accessKeySecret: AccessKeySecret }) });
    expect(signIn.status).toBe(200);
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    csrf = ((await signIn.json()) as { csrfToken: string }).csrfToken;
  }, 120_000);
  afterAll(() => server?.stop());

  it('refuses malformed requests with a code and a message that says what to do', async () => {
    expect(await error(await call('POST', '/templates', '{"name":', { 'content-type': 'application/json' }))).toMatchObject({ status: 400, code: 'InvalidInput', message: 'The request body is not valid JSON.' });
    expect(await error(await call('POST', '/templates', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }))).toMatchObject({ status: 400, message: 'Send the request body as application/json.' });
    expect(await error(await call('POST', '/templates', { name: 'x', colour: 'red' }))).toMatchObject({ status: 400, message: expect.stringMatching(/Unknown field "colour"/) });
    expect(await error(await call('POST', '/templates', { name: 'x', format: 'jpeg' }))).toMatchObject({ status: 400, message: 'Format must be one of: png, gif.' });
    expect(await error(await call('POST', '/templates', { name: 'x'.repeat(129) }))).toMatchObject({ status: 400, message: 'Name is longer than 128 characters.' });
    expect(await error(await call('POST', '/uploads', { fileName: 'list.m3u8' }))).toMatchObject({ status: 400, message: expect.stringMatching(/not a video file/) });
    expect(await error(await call('POST', '/uploads', { fileName: 'a.mp4', fileSize: 10 ** 15 }))).toMatchObject({ status: 400, message: expect.stringMatching(/larger than the upload limit/) });
    expect(await error(await call('POST', '/videos/url', { url: 'file:///etc/passwd' }))).toMatchObject({ status: 400, message: expect.stringMatching(/http:\/\/ or https:\/\//) });
    expect(await error(await call('POST', `/videos/${videoId}/frames`, { time: 'soon' }))).toMatchObject({ status: 400, message: 'Time must be a number.' });
    expect(await error(await call('POST', `/videos/${videoId}/frames`, { time: 999 }))).toMatchObject({ status: 400, message: expect.stringMatching(/between 0 and the video's duration/) });
    expect(await error(await call('POST', `/videos/${videoId}/jobs`, { templateId: 'f'.repeat(32) }))).toMatchObject({ status: 404, message: 'The template does not exist.' });
    expect(await error(await call('POST', `/videos/${videoId}/cover`, { coverId: 'nope' }))).toMatchObject({ status: 404 });
    expect(await error(await call('GET', `/videos/${'0'.repeat(32)}`))).toMatchObject({ status: 404, code: 'NotFound' });
    expect(await error(await call('GET', '/videos?page=0'))).toMatchObject({ status: 400, message: 'page must be a whole number from 1 to 100000.' });
    expect(await error(await call('PUT', '/videos'))).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
    expect(await error(await call('GET', '/nothing'))).toMatchObject({ status: 404, code: 'NotFound' });
    const wrong = await fetch(`${server.endpoint}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessKeyId: server.credentials().AccessKeyId, accessKeySecret: 'hunter2-not-it' }) });
    expect(await error(wrong)).toMatchObject({ status: 401, code: 'SignInFailed' });
    // The failure is logged, with the key's ID and never the secret.
    await expect.poll(() => server.output).toMatch(/console sign-in failed/);
    const logLines = server.output.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.join('\n')).toMatch(/"accessKeyId":"SC\w+".*"msg":"console sign-in failed"/);
    expect(logLines.join('\n')).not.toContain('hunter2-not-it');
    // The right secret, used for the sign-in above, is in no log line either (only in the first-start banner).
    expect(logLines.join('\n')).not.toContain(server.credentials().AccessKeySecret);
  });

  it('serves the player a signed source, whole or in ranges, and nothing unsigned', async () => {
    const page = (await (await call('GET', `/videos/${videoId}`)).json()) as { sourceUrl: string; video: { size: number } };
    const whole = await fetch(page.sourceUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(page.video.size);
    const piece = await fetch(page.sourceUrl, { headers: { range: 'bytes=100-199' } });
    expect(piece.status).toBe(206);
    expect(piece.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await piece.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await fetch(page.sourceUrl, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).toBe(true);
    expect((await fetch(page.sourceUrl, { headers: { range: `bytes=${bytes.length + 5}-` } })).status).toBe(416);
    const url = new URL(page.sourceUrl);
    expect((await fetch(`${url.origin}${url.pathname}`)).status).toBe(403);
    const key = url.searchParams.get('auth_key')!;
    url.searchParams.set('auth_key', `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(url)).status).toBe(403);
  });
});
