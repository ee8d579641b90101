/** The console's JSON API, with the session's CSRF token on every state-changing request. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function attachSession(token: string, signedOut: () => void): void {
  csrfToken = token;
  onSignedOut = signedOut;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/console/api${path}`, {
      method, credentials: 'same-origin',
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'Network', 'The server cannot be reached. Check the connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) {
    const error = answer.error ?? { code: 'Unknown', message: `The server answered ${response.status}.` };
    if (error.code === 'SignInRequired') onSignedOut();
    throw new ApiError(response.status, error.code, error.message);
  }
  return answer as T;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface Session { accountId: string; accessKeyId: string; csrfToken: string; expiresAt: string }
export interface Job { id: string; status: 'init' | 'processing' | 'success' | 'fail'; code: string; message: string; templateId: string; format: 'png' | 'gif'; count: number; frameTime: number | null; createdAt: string }
export interface Video {
  id: string; title: string; status: 'Uploading' | 'UploadSucc' | 'UploadFail' | 'Normal'; duration: number; size: number; width: number; height: number; fps: number;
  fileName: string; coverUrl: string; errorCode: string; errorMessage: string; createdAt: string; job: Job | null;
}
export interface Cover { id: string; jobId: string; format: 'png' | 'gif'; score: number; time: number; width: number; height: number; url: string; subscores: Record<string, number>; current: boolean; blurhash: string }
export interface Template { id: string; name: string; source: 'System' | 'Custom'; isDefault: boolean; format: 'png' | 'gif'; count: number; setDefaultCover: boolean }
export interface UploadTicket {
  videoId: string;
  address: { Endpoint: string; Bucket: string; FileName: string };
  auth: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
}

/** Work not finished yet: the page polls while anything is. */
export function busy(video: Video): boolean {
  return video.status === 'Uploading' || video.status === 'UploadSucc' || video.job?.status === 'init' || video.job?.status === 'processing';
}

const signed = new Map<string, { url: string; at: number }>();
/** How long a signed URL handed out earlier is reused (the server signs them for 30 minutes by default). */
const REUSE_MS = 10 * 60_000;

/**
 * The server signs file URLs afresh on every answer; a page that polls would reload every picture (and
 * restart the player) each time. The first URL for a file is kept for a while instead.
 */
export function stableUrl(key: string, url: string): string {
  if (url === '') return url;
  const held = signed.get(key);
  const now = Date.now();
  if (held !== undefined && now - held.at < REUSE_MS) return held.url;
  signed.set(key, { url, at: now });
  return url;
}
