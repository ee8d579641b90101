import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from './support/browser.js';
import { scratchDir, tool } from './support/clips.js';
import { popClient, ServerProcess, type Credentials } from './support/service.js';
import { footage } from './support/truth.js';

/**
 * The web console driven as a person would, in Debian's Chromium, against a real `smartcover serve` on
 * loopback, by the accessible names of its controls. Real footage (opencv-doc's) is uploaded through the
 * console's own OSS client; covers are made by the real engine and checked through pop-core.
 */
const SCREENSHOTS = join(import.meta.dirname, '.screenshots');

/** Real footage as a short WebM (a format Chromium plays without proprietary codecs). */
async function webm(name: string, seconds: number): Promise<string> {
  const source = footage(name);
  if (source === undefined) throw new Error(`${name} is missing: run scripts/real-footage.sh`);
  const out = join(scratchDir(), `${name.replace(/\.\w+$/, '')}-console.webm`);
  await tool('ffmpeg', ['-v', 'error', '-y', '-i', source, '-t', String(seconds), '-vf', 'scale=-2:360', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '800k', '-g', '25', '-an', out]);
  return out;
}

const lifetime = 4 * 60_000;

// The few browser shapes the page functions below read (the tests compile without the DOM library).
type Img = { complete: boolean; naturalWidth: number };
type Player = { readyState: number; currentTime: number };
type Input = { max: string; value: string };
type DropWindow = {
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
  atob(text: string): string;
};
type Browserish = { localStorage: object; sessionStorage: object; document: { cookie: string; documentElement: { scrollWidth: number } } };

describe('the web console', () => {
  let server: ServerProcess;
  let browser: Browser;
  let files: string[];
  let owner: Credentials;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [server, browser, files] = await Promise.all([ServerProcess.start(), launchChromium(), Promise.all([webm('Megamind.avi', 8), webm('cockatoo.mp4', 8)])]);
    owner = server.credentials();
  }, lifetime);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signedIn(credentials: Credentials, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page; watch: ReturnType<typeof watchPage> }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const watch = watchPage(page, `127.0.0.1:${server.port}`);
    await page.goto(`${server.endpoint}/`);
    await page.getByLabel('AccessKey ID').fill(credentials.AccessKeyId);
    await page.getByLabel('AccessKey Secret').fill(credentials.AccessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Videos', level: 1 }).waitFor();
    return { context, page, watch };
  }

  it('is where a browser at the root lands, refuses a wrong secret with a message, and keeps no secret in the page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page, `127.0.0.1:${server.port}`);
    await page.goto(`${server.endpoint}/`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByLabel('AccessKey ID').fill(owner.AccessKeyId);
    await page.getByLabel('AccessKey Secret').fill(`${owner.AccessKeySecret}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/wrong/i);
    // An API client without an Action still gets VOD's error, not a redirect.
    const api = await fetch(`${server.endpoint}/`);
    expect(api.status).toBe(400);
    expect(await api.text()).toContain('<Code>');

    await page.getByLabel('AccessKey Secret').fill(owner.AccessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Videos', level: 1 }).waitFor();
    const stored = await page.evaluate(() => { const w = globalThis as unknown as Browserish; return JSON.stringify({ ...w.localStorage }) + JSON.stringify({ ...w.sessionStorage }) + w.document.cookie; });
    expect(stored).not.toContain(owner.AccessKeySecret);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'smartcover_session', httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('uploads two files, makes covers, plays a GIF on hover, sets a cover, makes a still from a picked frame, deletes a candidate, signs out', async () => {
    const { context, page, watch } = await signedIn(owner);
    const vod = popClient(server);

    await page.getByLabel('Upload video').setInputFiles(files);
    const uploads = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem');
    await expect.poll(() => uploads.count()).toBe(2);
    await expect.poll(() => uploads.filter({ hasText: 'Uploaded' }).count(), { timeout: 60_000 }).toBe(2);
    const cards = page.locator('.videos > li');
    await expect.poll(() => cards.filter({ hasText: 'Ready' }).count(), { timeout: 60_000 }).toBe(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'videos-1366.png') });

    await page.getByRole('link', { name: 'Megamind-console', exact: true }).click();
    await page.getByRole('heading', { name: 'Megamind-console' }).waitFor();
    const videoId = new URL(page.url()).hash.split('/').pop()!;

    // The default template: five stills; then the GIF template.
    await page.getByRole('button', { name: 'Generate covers' }).click();
    await page.getByRole('status').filter({ hasText: 'Looking for' }).waitFor();
    const candidates = page.locator('.covers > li');
    await expect.poll(() => candidates.count(), { timeout: 90_000 }).toBe(5);
    await page.getByLabel('Template').selectOption({ label: 'Smart cover preview (GIF) (1 GIF)' });
    await page.getByRole('button', { name: 'Generate covers' }).click();
    await expect.poll(() => candidates.count(), { timeout: 90_000 }).toBe(6);
    await expect.poll(() => page.locator('.covers img').evaluateAll((imgs) => (imgs as unknown as Img[]).every((i) => i.complete && i.naturalWidth > 0))).toBe(true);
    // Stills come as WebP renditions the card's size, over their BlurHash while they load.
    const still = page.getByRole('img', { name: /^Still at/ }).first();
    expect(await still.getAttribute('src')).toMatch(/\.png\?auth_key=[^&]+&x-oss-process=image\/resize,w_480\/format,webp$/);
    expect(await still.evaluate((i) => (i as unknown as { currentSrc: string }).currentSrc)).toContain('format,webp');
    expect(await still.evaluate((i) => (i as unknown as { style: { backgroundImage: string } }).style.backgroundImage)).toMatch(/^url\("data:image\/png;base64,/);
    const scores = await candidates.locator('.caption strong').allTextContents();
    expect(scores.map(Number)).toEqual([...scores.map(Number)].sort((a, b) => b - a));
    expect(await page.locator('.covers .words li').count()).toBeGreaterThan(0);

    const gif = page.getByLabel(/Animated preview at .* Plays on hover or focus/);
    const gifImage = gif.locator('img');
    await expect.poll(() => gifImage.getAttribute('src')).toMatch(/^data:image\/png/);
    await gif.hover();
    await expect.poll(() => gifImage.getAttribute('src')).toMatch(/\.gif\?auth_key=/);
    expect(await gifImage.evaluate((i) => (i as unknown as Img).naturalWidth)).toBeGreaterThan(0);
    await page.mouse.move(0, 0);

    // Use the second-best still as the cover: GetVideoInfo through pop-core shows it.
    const listed = (await vod.request('ListAIImageInfo', { VideoId: videoId })) as { AIImageInfoList: { AIImageInfoId: string; FileURL: string; JobId: string; Time: string }[] };
    const secondId = await page.locator('.covers > li:not(.current):not(:has(.gif)) .caption').first().getAttribute('id');
    const second = candidates.filter({ has: page.locator(`[id="${secondId}"]`) });
    await second.getByRole('button', { name: 'Use as cover' }).click();
    await page.getByRole('status').filter({ hasText: 'The cover is set.' }).waitFor();
    await expect.poll(() => second.getByText('Current cover').count()).toBe(1);
    const secondUrl = new URL((await second.locator('img').getAttribute('src'))!).pathname;
    const info = (await vod.request('GetVideoInfo', { VideoId: videoId })) as { Video: { CoverURL: string } };
    expect(new URL(info.Video.CoverURL).pathname).toBe(secondUrl);

    // The frame picker: step to a frame, use it (and make it the cover). The player keeps its place while
    // the page follows the job.
    const player = page.getByLabel('Video player');
    await expect.poll(() => player.evaluate((v) => (v as unknown as Player).readyState)).toBeGreaterThanOrEqual(1);
    await page.getByLabel('Position').fill('2');
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Next frame' }).click();
    const picked = await player.evaluate((v) => (v as unknown as Player).currentTime);
    expect(picked).toBeGreaterThan(2);
    await page.getByLabel('Also make it the cover').check();
    await page.getByRole('button', { name: 'Use this frame' }).click();
    await expect.poll(() => candidates.count(), { timeout: 90_000 }).toBe(7);
    const after = (await vod.request('ListAIImageInfo', { VideoId: videoId })) as typeof listed;
    const made = after.AIImageInfoList.find((c) => !listed.AIImageInfoList.some((l) => l.AIImageInfoId === c.AIImageInfoId))!;
    expect(made.JobId).not.toBe(listed.AIImageInfoList[0]!.JobId);
    // The still is the frame shown at the picked time (25 fps: within one frame).
    expect(Math.abs(Number(made.Time) - picked)).toBeLessThan(0.04 + 1e-3);
    expect(await player.evaluate((v) => (v as unknown as Player).currentTime)).toBe(picked);
    const now = (await vod.request('GetVideoInfo', { VideoId: videoId })) as typeof info;
    expect(new URL(now.Video.CoverURL).pathname).toBe(new URL(made.FileURL).pathname);
    await page.screenshot({ path: join(SCREENSHOTS, 'video-1366.png'), fullPage: true });

    // Delete the last candidate.
    page.once('dialog', (d) => void d.accept());
    const last = candidates.last();
    const lastUrl = new URL((await last.locator('img').getAttribute('src'))!).pathname;
    await last.getByRole('button', { name: 'Delete candidate' }).click();
    await expect.poll(() => candidates.count()).toBe(6);
    const remaining = (await vod.request('ListAIImageInfo', { VideoId: videoId })) as typeof listed;
    expect(remaining.AIImageInfoList.map((c) => new URL(c.FileURL).pathname)).not.toContain(lastUrl);

    // Phone-sized.
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: join(SCREENSHOTS, 'video-375.png') });
    await page.getByRole('link', { name: 'Videos', exact: true }).click();
    await expect.poll(() => page.locator('.videos img').count()).toBe(1);
    // Search by title (any case), then the phone-sized list.
    await page.getByLabel('Search by title').fill('MEGA');
    await expect.poll(() => page.locator('.videos > li').count()).toBe(1);
    expect(await page.locator('.videos > li').textContent()).toContain('Megamind-console');
    await expect.poll(() => page.locator('.videos img').evaluateAll((imgs) => (imgs as unknown as Img[]).every((i) => i.complete && i.naturalWidth > 0))).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'videos-375.png') });
    expect(await page.evaluate(() => (globalThis as unknown as Browserish).document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await page.request.get(`${server.endpoint}/console/api/session`)).status()).toBe(401);
    expect(watch.errors).toEqual([]);
    expect(watch.foreign).toEqual([]);
    await context.close();
  }, lifetime);

  it('shows a second account none of the first\'s videos, and refuses a request without the session or with a forged CSRF token', async () => {
    const created = await server.cli(['keys', 'create', '--account', 'second', '--json']);
    const second = JSON.parse(created.stdout) as Credentials;
    const mine = (await popClient(server).request('GetVideoList', {})) as { VideoList: { Video: { VideoId: string }[] } };
    const someone = mine.VideoList.Video[0]?.VideoId ?? '0'.repeat(32);

    const { context, page, watch } = await signedIn(second);
    await page.getByText('No videos yet').waitFor();
    expect(await page.locator('.videos > li').count()).toBe(0);
    const theirs = await page.evaluate(async (id) => (await fetch(`/console/api/videos/${id}`)).status, someone);
    expect(theirs).toBe(404);
    // Forged token, and none: refused, and nothing changed.
    const forged = await page.evaluate(async () => {
      const attempt = (headers: Record<string, string>) => fetch('/console/api/templates', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'forged' }) });
      return [(await attempt({ 'x-csrf-token': 'A'.repeat(32) })).status, (await attempt({})).status];
    });
    expect(forged).toEqual([403, 403]);
    const templates = await page.evaluate(async () => (await (await fetch('/console/api/templates')).json()) as { templates: { name: string }[] });
    expect(templates.templates.map((t) => t.name)).not.toContain('forged');
    // No session at all (a plain client), and a cross-site Origin.
    expect((await fetch(`${server.endpoint}/console/api/videos`)).status).toBe(401);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const crossSite = await fetch(`${server.endpoint}/console/api/videos`, { headers: { cookie, origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(watch.errors).toEqual([]);
    await context.close();
  }, lifetime);

  it('lists, adds, edits, deletes templates and sets the default', async () => {
    const { context, page, watch } = await signedIn(owner);
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    await expect.poll(() => page.locator('.templates > li').count()).toBe(2);
    await page.getByLabel('Name').fill('Three stills');
    await page.getByLabel('Number of covers').fill('3');
    await page.getByRole('button', { name: 'Add template' }).click();
    await page.getByRole('status').filter({ hasText: 'The template is added.' }).waitFor();
    await page.getByRole('button', { name: 'Edit Three stills' }).click();
    await page.getByLabel('Name').fill('Four stills');
    await page.getByLabel('Number of covers').fill('4');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('4 stills (PNG)').waitFor();
    // Bad input gets a message, not a broken page.
    await page.getByLabel('Name').fill('Too many');
    await page.getByLabel('Format').selectOption('gif');
    await page.getByLabel('Number of covers').evaluate((i) => { (i as unknown as Input).max = '99'; (i as unknown as Input).value = '9'; });
    await page.getByRole('button', { name: 'Add template' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Number of covers must be from 1 to 5/);

    await page.getByRole('button', { name: 'Make Four stills the default' }).click();
    await page.getByRole('status').filter({ hasText: 'Four stills is now the default.' }).waitFor();
    const vod = popClient(server);
    const listed = (await vod.request('ListAITemplate', { TemplateType: 'AIImage' })) as { TemplateInfoList: { TemplateName: string; IsDefault: string }[] };
    expect(listed.TemplateInfoList.find((t) => t.TemplateName === 'Four stills')?.IsDefault).toBe('Default');
    // The default cannot be deleted (no button); make the System one default again, then delete.
    expect(await page.getByRole('button', { name: 'Delete Four stills' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Make Smart cover stills (PNG) the default' }).click();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete Four stills' }).click();
    await page.getByRole('status').filter({ hasText: 'The template is deleted.' }).waitFor();
    await expect.poll(() => page.locator('.templates > li').count()).toBe(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'templates-1366.png') });
    expect(watch.errors).toEqual([]);
    await context.close();
  }, lifetime);

  it('takes a dropped file, and after a network error resumes it with Retry', async () => {
    const { context, page, watch } = await signedIn(owner);
    const before = (await popClient(server).request('GetVideoList', {})) as { Total: number };
    // Every request to the object endpoint fails as a dropped connection would, until the network is back.
    await page.route('**/smartcover-uploads/**', (route) => route.abort('connectionreset'));
    const bytes = (await import('node:fs')).readFileSync(files[1]!).toString('base64');
    const dropped = await page.evaluateHandle((b64) => {
      const w = globalThis as unknown as DropWindow;
      const transfer = new w.DataTransfer();
      transfer.items.add(new w.File([Uint8Array.from(w.atob(b64), (c) => c.charCodeAt(0))], 'dropped.webm', { type: 'video/webm' }));
      return transfer;
    }, bytes);
    await page.locator('section.drop').dispatchEvent('drop', { dataTransfer: dropped });
    const item = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').filter({ hasText: 'dropped.webm' });
    await expect.poll(() => item.getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/Failed: The connection was lost/);
    await page.unroute('**/smartcover-uploads/**');
    await item.getByRole('button', { name: 'Retry upload of dropped.webm' }).click();
    await expect.poll(() => item.textContent(), { timeout: 30_000 }).toContain('Uploaded.');
    const after = (await popClient(server).request('GetVideoList', {})) as { Total: number; VideoList: { Video: { Title: string; Status: string }[] } };
    // One video for the file, not one per attempt.
    expect(after.Total).toBe(before.Total + 1);
    await expect.poll(async () => ((await popClient(server).request('GetVideoList', {})) as typeof after).VideoList.Video.find((v) => v.Title === 'dropped')?.Status, { timeout: 30_000 }).toBe('Normal');
    expect(watch.errors.filter((e) => !/ERR_CONNECTION_RESET|net::ERR/.test(e))).toEqual([]);
    await context.close();
  }, lifetime);
});
