import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` puts the console (dist/console): the same from src/ under tsx and from dist/. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export interface AssetResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: Buffer | string;
}

/**
 * The console's files, read once into memory (they are a few tens of KB) and served with an ETag and
 * headers that keep a page to itself: a Content-Security-Policy that allows only this server (and the
 * configured file and upload hosts), no referrer (signed URLs must not leak), no framing, no sniffing.
 */
export class ConsoleAssets {
  private assets: Promise<Map<string, Asset>> | undefined;

  constructor(
    private readonly dir: string,
    /** Origins besides this server's own that pages may load covers and sources from, or upload to. */
    private readonly extra: { readonly files: readonly string[]; readonly uploads: readonly string[] },
  ) {}

  /** `name`: a file of the build ('' for the page itself); `ifNoneMatch`: the browser's cached ETag. */
  async serve(name: string, ifNoneMatch: string | undefined): Promise<AssetResponse> {
    const assets = await (this.assets ??= this.load());
    if (assets.size === 0) {
      this.assets = undefined; // built later (npm run build while the server runs): looked for again
      return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'The console is not built. Run: npm run build\n' };
    }
    const asset = assets.get(name === '' ? 'index.html' : name);
    if (asset === undefined) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found\n' };
    const headers = { ...this.securityHeaders(), 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache' };
    if (ifNoneMatch === asset.etag) return { status: 304, headers };
    return { status: 200, headers, body: asset.body };
  }

  private securityHeaders(): Record<string, string> {
    const files = ["'self'", ...this.extra.files].join(' ');
    const connect = ["'self'", ...this.extra.uploads].join(' ');
    return {
      'content-security-policy': [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", `img-src ${files} data: blob:`, `media-src ${files} blob:`,
        `connect-src ${connect}`, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
      ].join('; '),
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    };
  }

  private async load(): Promise<Map<string, Asset>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const assets = new Map<string, Asset>();
    for (const name of names) {
      const type = TYPES[extname(name)];
      if (type === undefined) continue;
      const body = await readFile(join(this.dir, name));
      assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
    return assets;
  }
}
