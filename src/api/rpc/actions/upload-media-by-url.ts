import type { RpcAction } from '../gateway.js';
import { rpcErrors } from '../rpc-error.js';
import type { ActionServices } from './services.js';
import { userDataParam } from './user-data.js';

/**
 * UploadURLs: URL-encoded, comma-separated, at most 20; optional UploadMetadatas: [{SourceURL, Title,
 * Description}]; optional UserData, whose MessageCallback receives UploadByURLComplete for each URL.
 */
export const uploadMediaByURL = (s: ActionServices): RpcAction => ({
  name: 'UploadMediaByURL',
  async handle(p, ctx) {
    const urls = p.required('UploadURLs').split(',').map((u) => safeDecode(u.trim())).filter((u) => u !== '');
    if (urls.length === 0) throw rpcErrors.missing('UploadURLs');
    if (urls.length > 20) throw rpcErrors.invalid('UploadURLs', `at most 20 URLs are allowed, got ${urls.length}.`);
    for (const url of urls) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw rpcErrors.invalid('UploadURLs', `"${url.slice(0, 100)}" is not a URL.`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw rpcErrors.invalid('UploadURLs', `only http and https URLs can be fetched.`);
    }
    const metadata = parseMetadata(p.optional('UploadMetadatas'));
    const userData = userDataParam(p);
    const uploads = urls.map((url) => {
      const meta = metadata.find((m) => m['SourceURL'] === url) ?? {};
      return { url, title: String(meta['Title'] ?? url.split('/').pop() ?? url).slice(0, 128), description: String(meta['Description'] ?? '').slice(0, 1024) };
    });
    const jobs = await s.videos.uploadByUrl(ctx.accountId, uploads, userData);
    return { UploadJobs: jobs.map((j) => ({ JobId: j.jobId, SourceURL: j.url, VideoId: j.videoId })) };
  },
});

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw rpcErrors.invalid('UploadURLs', 'is not correctly URL-encoded.');
  }
}

function parseMetadata(raw: string | undefined): Record<string, unknown>[] {
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw rpcErrors.invalid('UploadMetadatas', 'not valid JSON.');
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v !== null)) throw rpcErrors.invalid('UploadMetadatas', 'must be a JSON array of objects.');
  return value as Record<string, unknown>[];
}
