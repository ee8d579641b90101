// Builds the web console into dist/console: one ES module bundle (Preact, our code, the OSS signer),
// its stylesheet and page. Everything the console loads comes from here: no CDN, nothing fetched at run time.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = `${root}dist/console`;
await mkdir(out, { recursive: true });
await build({
  entryPoints: [`${root}console/src/main.tsx`],
  outfile: `${out}/app.js`,
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(`${root}console/app.css`, `${out}/app.css`);
await copyFile(`${root}console/index.html`, `${out}/index.html`);
