import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { Logger } from 'pino';
import { sameSecret, type ConsoleSessions } from '../../covers/console-sessions.js';
import type { CoverService, JobService } from '../../covers/jobs.js';
import { TEMPLATE_COUNT, videoExtension, type ConsoleSession, type TemplateConfig } from '../../covers/model.js';
import type { Clock } from '../../covers/ports.js';
import type { TemplateService } from '../../covers/templates.js';
import type { UploadService } from '../../covers/uploads.js';
import type { VideoService } from '../../covers/videos.js';
import { AppError } from '../../errors.js';
import { sourcePath } from '../files.js';
import { REFUSAL_STATUS, type HttpRefusal } from '../http-refusal.js';
import { uploadTicket } from '../upload-ticket.js';
import { ConsoleBody, invalid } from './console-body.js';
import { consoleError } from './console-error.js';
import { coverView, jobView, templateView, videoView, type Sign } from './console-views.js';

export interface ConsoleRequest {
  readonly method: string;
  /** The path without its query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** The caller's address (failed sign-ins are counted per address). */
  readonly client: string;
  /** Reached over TLS, or through a proxy that says so (X-Forwarded-Proto: https): the cookie is Secure. */
  readonly secure: boolean;
}

export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface ConsoleDeps {
  readonly sessions: ConsoleSessions;
  readonly templates: TemplateService;
  readonly videos: VideoService;
  readonly jobs: JobService;
  readonly covers: CoverService;
  readonly uploads: UploadService;
  readonly clock: Clock;
  /** Signs a cover's or source's path for a client that reached this service at `baseUrl` (see app.ts). */
  readonly fileUrl: (path: string, now: Date, baseUrl: string) => string;
  readonly uploadEndpoint: (baseUrl: string) => string;
  readonly uploadBucket: string;
  readonly uploadMaxBytes: number;
  /** SMARTCOVER_PUBLIC_URL, or '' to use the Host the browser called. */
  readonly publicUrl: string;
  /** The session cookie's lifetime (the session's absolute one). */
  readonly sessionSeconds: number;
  readonly log?: Logger | undefined;
}

interface Context {
  readonly session: ConsoleSession;
  readonly params: readonly string[];
  readonly now: Date;
  readonly baseUrl: string;
  readonly sign: Sign;
}

type Answer = { readonly status?: number; readonly body?: unknown; readonly headers?: Record<string, string> };

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: (request: ConsoleRequest, ctx: Context) => Promise<Answer>;
}

export const SESSION_COOKIE = 'smartcover_session';
const ID = '([0-9a-f]{32})';

/**
 * The web console's JSON API under /console/api: the same use-cases as the RPC API, for the account of
 * the access key that signed in, and nothing more. A session is a cookie (HttpOnly, SameSite=Strict,
 * Secure over TLS); every state-changing request also carries the session's CSRF token in
 * `X-CSRF-Token`, and a cross-site `Origin` is refused. Framework-free: server.ts routes /console/api/* here.
 */
export class ConsoleApi {
  private readonly routes: readonly Route[];

  constructor(private readonly deps: ConsoleDeps) {
    this.routes = this.buildRoutes();
  }

  async handle(request: ConsoleRequest): Promise<ConsoleResponse> {
    try {
      if (!sameOrigin(request)) throw new AppError('forbidden', 'Cross-site requests are refused. Open the console from its own address.');
      if (request.path === '/console/api/session') return await this.sessionRoute(request);
      const route = this.routes.find((r) => r.pattern.test(request.path) && r.method === request.method);
      if (route === undefined) {
        const known = this.routes.some((r) => r.pattern.test(request.path));
        return json(known ? 405 : 404, { error: { code: known ? 'MethodNotAllowed' : 'NotFound', message: known ? 'This method is not allowed here.' : 'No such console API.' } });
      }
      const session = await this.sessionOf(request);
      if (request.method !== 'GET' && request.method !== 'HEAD') checkCsrf(request, session);
      const now = this.deps.clock.now();
      const baseUrl = this.baseUrl(request);
      const params = route.pattern.exec(request.path)!.slice(1);
      const answer = await route.handle(request, { session, params, now, baseUrl, sign: (path) => this.deps.fileUrl(path, now, baseUrl) });
      return answer.body === undefined
        ? { status: answer.status ?? 204, headers: { ...NO_STORE, ...answer.headers } }
        : json(answer.status ?? 200, answer.body, answer.headers);
    } catch (error) {
      return this.failure(error, request);
    }
  }

  /** Removes expired sessions (the server calls it every minute). */
  sweep(): Promise<number> {
    return this.deps.sessions.sweep();
  }

  /** Sign in (POST), who am I (GET), sign out (DELETE). */
  private async sessionRoute(request: ConsoleRequest): Promise<ConsoleResponse> {
    if (request.method === 'POST') {
      const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['accessKeyId', 'accessKeySecret']);
      const id = body.text('accessKeyId', 'AccessKey ID', 64, true);
      const secret = body.text('accessKeySecret', 'AccessKey Secret', 128, true);
      try {
        const { token, session } = await this.deps.sessions.signIn(id, secret, request.client);
        this.deps.log?.info({ accessKeyId: id, client: request.client }, 'console sign-in');
        return json(200, sessionView(session), { 'set-cookie': this.cookie(token, request.secure, this.deps.sessionSeconds) });
      } catch (error) {
        // Logged with the key's ID and the address, never the secret.
        this.deps.log?.warn({ accessKeyId: id, client: request.client, reason: (error as Error).message }, 'console sign-in failed');
        throw error;
      }
    }
    if (request.method === 'GET') return json(200, sessionView(await this.sessionOf(request)));
    if (request.method === 'DELETE') {
      const session = await this.sessionOf(request);
      checkCsrf(request, session);
      await this.deps.sessions.signOut(cookieToken(request) ?? '');
      return { status: 204, headers: { ...NO_STORE, 'set-cookie': this.cookie('', request.secure, 0) } };
    }
    return json(405, { error: { code: 'MethodNotAllowed', message: 'This method is not allowed here.' } });
  }

  private async sessionOf(request: ConsoleRequest): Promise<ConsoleSession> {
    const token = cookieToken(request);
    const session = token === undefined ? undefined : await this.deps.sessions.resolve(token);
    if (session === undefined) throw new AppError('unauthenticated', 'Sign in to continue: your session has ended or was never started.');
    return session;
  }

  /** The console's JSON error for what the HTTP layer refused under /console. */
  refuse(refusal: HttpRefusal): ConsoleResponse {
    const [code, message] = REFUSALS[refusal];
    return json(REFUSAL_STATUS[refusal], { error: { code, message } });
  }

  private failure(error: unknown, request: ConsoleRequest): ConsoleResponse {
    const e = consoleError(error);
    if (e.status >= 500) this.deps.log?.error({ err: error, path: request.path }, 'console request failed');
    // A refused session also clears the stale cookie, so the browser stops sending it.
    const clear: Record<string, string> = e.code === 'SignInRequired' && cookieToken(request) !== undefined ? { 'set-cookie': this.cookie('', request.secure, 0) } : {};
    return json(e.status, { error: { code: e.code, message: e.message } }, { ...e.headers, ...clear });
  }

  private cookie(token: string, secure: boolean, maxAge: number): string {
    return serializeCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/console', maxAge });
  }

  private baseUrl(request: ConsoleRequest): string {
    if (this.deps.publicUrl !== '') return this.deps.publicUrl;
    return `${request.secure ? 'https' : 'http'}://${request.headers['host'] ?? 'localhost'}`;
  }

  private buildRoutes(): Route[] {
    const d = this.deps;
    const route = (method: string, path: string, handle: Route['handle']): Route => ({ method, pattern: new RegExp(`^/console/api${path}$`), handle });
    return [
      route('GET', '/videos', async (request, ctx) => {
        const page = positiveInt(request.query.get('page'), 'page', 1, 100_000) ?? 1;
        const pageSize = positiveInt(request.query.get('pageSize'), 'pageSize', 1, 100) ?? 20;
        const q = (request.query.get('q') ?? '').slice(0, 128);
        const { videos, total } = await d.videos.list(ctx.session.accountId, {
          statuses: [], titleContains: q, newestFirst: true, offset: (page - 1) * pageSize, limit: pageSize,
        });
        const jobs = await d.jobs.latest(ctx.session.accountId, videos.map((v) => v.id));
        return { body: { videos: videos.map((v) => videoView(v, ctx.sign, jobs.get(v.id))), total, page, pageSize } };
      }),
      route('POST', '/videos/url', async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['url', 'title']);
        const url = body.text('url', 'Video URL', 1024, true);
        if (!/^https?:\/\/[^\s]+$/i.test(url)) throw invalid('Video URL must be an http:// or https:// address.');
        const title = body.text('title', 'Title', 128) ?? (decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || url).slice(0, 128);
        const [created] = await d.videos.uploadByUrl(ctx.session.accountId, [{ url, title, description: '' }]);
        return { status: 201, body: { videoId: created!.videoId } };
      }),
      route('POST', '/uploads', async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['title', 'fileName', 'fileSize']);
        const fileName = body.text('fileName', 'File name', 1024, true);
        if (videoExtension(fileName) === undefined) throw invalid(`"${fileName.slice(0, 128)}" is not a video file smartcover accepts (mp4, mov, mkv, webm, ts, avi, …).`);
        const size = body.number('fileSize', 'File size', { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
        if (size !== undefined && size > d.uploadMaxBytes) throw invalid(`The file is larger than the upload limit of ${d.uploadMaxBytes} bytes.`);
        const title = body.text('title', 'Title', 128) ?? fileName.replace(/\.[^.]*$/, '').slice(0, 128);
        const { video, upload } = await d.uploads.createVideo(ctx.session.accountId, { title, fileName: fileName.split(/[\\/]/).pop()!, description: '', coverUrl: '', userData: '' });
        return { status: 201, body: { videoId: video.id, ...uploadTicket(upload, d.uploadEndpoint(ctx.baseUrl), d.uploadBucket) } };
      }),
      route('POST', `/uploads/${ID}/refresh`, async (_request, ctx) => {
        const { video, upload } = await d.uploads.refreshVideo(ctx.session.accountId, ctx.params[0]!);
        return { body: { videoId: video.id, ...uploadTicket(upload, d.uploadEndpoint(ctx.baseUrl), d.uploadBucket) } };
      }),
      route('GET', `/videos/${ID}`, async (_request, ctx) => this.videoPage(ctx)),
      route('PATCH', `/videos/${ID}`, async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['title', 'description']);
        await d.videos.update(ctx.session.accountId, ctx.params[0]!, { title: body.text('title', 'Title', 128), description: body.text('description', 'Description', 1024) });
        return {};
      }),
      route('DELETE', `/videos/${ID}`, async (_request, ctx) => {
        const { missing } = await d.videos.delete(ctx.session.accountId, [ctx.params[0]!]);
        if (missing.length > 0) throw new AppError('not_found', 'The video does not exist.');
        return {};
      }),
      route('POST', `/videos/${ID}/cover`, async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['coverId']);
        const coverId = body.text('coverId', 'Cover', 64, true);
        const cover = (await d.covers.list(ctx.session.accountId, ctx.params[0]!)).find((c) => c.id === coverId);
        if (cover === undefined) throw new AppError('not_found', 'That cover is not one of this video\'s (it may have been deleted).');
        await d.videos.update(ctx.session.accountId, ctx.params[0]!, { coverUrl: cover.path });
        return {};
      }),
      route('DELETE', `/videos/${ID}/covers/${ID}`, async (_request, ctx) => {
        const [videoId, coverId] = ctx.params as [string, string];
        if (!(await d.covers.list(ctx.session.accountId, videoId)).some((c) => c.id === coverId)) throw new AppError('not_found', 'That cover does not exist (it may already be deleted).');
        await d.covers.delete(ctx.session.accountId, [coverId]);
        return {};
      }),
      route('POST', `/videos/${ID}/jobs`, async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['templateId']);
        const templateId = body.text('templateId', 'Template', 32) ?? await d.templates.defaultId(ctx.session.accountId);
        const jobId = await d.jobs.submit(ctx.session.accountId, ctx.params[0]!, templateId, '');
        return { status: 201, body: { jobId } };
      }),
      route('POST', `/videos/${ID}/frames`, async (request, ctx) => {
        const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['time', 'setCover']);
        const time = body.number('time', 'Time', { min: 0, max: 1e7 });
        if (time === undefined) throw invalid('Time is required.');
        const jobId = await d.jobs.submitFrame(ctx.session.accountId, ctx.params[0]!, time, body.boolean('setCover', 'Use as cover') ?? false);
        return { status: 201, body: { jobId } };
      }),
      route('GET', '/templates', async (_request, ctx) => ({ body: { templates: (await d.templates.list(ctx.session.accountId)).map(templateView) } })),
      route('POST', '/templates', async (request, ctx) => {
        const { name, config } = templateInput(request);
        const id = await d.templates.add(ctx.session.accountId, name, config);
        return { status: 201, body: { templateId: id } };
      }),
      route('PUT', `/templates/${ID}`, async (request, ctx) => {
        const { name, config } = templateInput(request);
        await d.templates.update(ctx.session.accountId, ctx.params[0]!, { name, config });
        return {};
      }),
      route('DELETE', `/templates/${ID}`, async (_request, ctx) => {
        await d.templates.delete(ctx.session.accountId, ctx.params[0]!);
        return {};
      }),
      route('POST', `/templates/${ID}/default`, async (_request, ctx) => {
        await d.templates.setDefault(ctx.session.accountId, ctx.params[0]!);
        return {};
      }),
    ];
  }

  /** Everything a video's page shows: the video, its source, every cover (best first, explained) and its jobs. */
  private async videoPage(ctx: Context): Promise<Answer> {
    const { accountId } = ctx.session;
    const id = ctx.params[0]!;
    const video = await this.deps.videos.get(accountId, id);
    const [covers, jobs] = await Promise.all([this.deps.covers.list(accountId, id), this.deps.jobs.ofVideo(accountId, id, 20)]);
    // Sub-scores live in each job's result, by path.
    const results = await this.deps.jobs.get(accountId, [...new Set(covers.map((c) => c.jobId))]);
    const subscores = new Map(results.flatMap((j) => j.result.map((r) => [r.path, r.subscores] as const)));
    return {
      body: {
        video: videoView(video, ctx.sign, jobs[0]),
        sourceUrl: video.status === 'Normal' && video.sourceKey !== '' ? ctx.sign(sourcePath(video.id, video.sourceKey)) : '',
        covers: covers.map((c) => coverView(c, ctx.sign, subscores.get(c.path), c.path === video.coverUrl)),
        jobs: jobs.map(jobView),
      },
    };
  }
}

const NO_STORE = { 'cache-control': 'no-store' };

const REFUSALS: Readonly<Record<HttpRefusal, readonly [string, string]>> = {
  not_found: ['NotFound', 'No such console page or API.'],
  forbidden: ['Forbidden', 'This link has expired. Reload the page.'],
  method_not_allowed: ['MethodNotAllowed', 'This method is not allowed here.'],
  bad_encoding: ['BadRequest', 'The address is not valid percent-encoding.'],
  bad_request: ['BadRequest', 'The request could not be read.'],
  body_too_large: ['TooLarge', 'The request is larger than the server accepts.'],
  headers_too_large: ['TooLarge', 'The request headers are larger than the server accepts.'],
  timeout: ['Timeout', 'The request stopped arriving. Try again.'],
  unavailable: ['Unavailable', 'The service is busy or restarting. Try again in a moment.'],
  internal: ['InternalError', 'Something went wrong on the server. Try again; if it keeps happening, the server log says why.'],
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): ConsoleResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

function sessionView(session: ConsoleSession): Record<string, unknown> {
  return { accountId: session.accountId, accessKeyId: session.accessKeyId, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
}

function cookieToken(request: ConsoleRequest): string | undefined {
  const header = request.headers['cookie'];
  return header === undefined ? undefined : parseCookies(header)[SESSION_COOKIE] || undefined;
}

/** Every state-changing request names the session's CSRF token (compared in constant time). */
function checkCsrf(request: ConsoleRequest, session: ConsoleSession): void {
  const given = request.headers['x-csrf-token'];
  if (given === undefined || !sameSecret(session.csrfToken, given)) {
    throw new AppError('forbidden', 'The request did not carry this session\'s CSRF token. Reload the page and try again.');
  }
}

/** A browser's Origin, when it sends one, must be this server's own (Host as the browser called it). */
function sameOrigin(request: ConsoleRequest): boolean {
  const origin = request.headers['origin'];
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers['host'];
  } catch {
    return false;
  }
}

function positiveInt(value: string | null, name: string, min: number, max: number): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) throw invalid(`${name} must be a whole number from ${min} to ${max}.`);
  return Number(value);
}

function templateInput(request: ConsoleRequest): { name: string; config: TemplateConfig } {
  const body = ConsoleBody.parse(request.body, request.headers['content-type'], ['name', 'format', 'count', 'setDefaultCover']);
  const name = body.text('name', 'Name', 128, true);
  const format = body.choice('format', 'Format', ['png', 'gif'] as const) ?? 'png';
  const count = body.number('count', 'Number of covers', { min: 1, max: TEMPLATE_COUNT[format].max, integer: true }) ?? TEMPLATE_COUNT[format].default;
  return { name, config: { format, count, setDefaultCover: body.boolean('setDefaultCover', 'Set as the video\'s cover') ?? false } };
}
