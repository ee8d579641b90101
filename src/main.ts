#!/usr/bin/env -S node --max-semi-space-size=64
// The flag: a served request allocates a few kilobytes that die young. With V8's default 16 MB semi-spaces
// the API scavenged every ~30 ms under load and spent a sixth of its CPU there; 64 MB cut its CPU per request
// by ~15 % and its pauses with it (BENCHMARKS.md, bench:api). The price: V8 starts a full collection once the
// old generation's margin is below the new space's size, and off-heap bytes (Buffers) allocated since the
// last one count against that margin, so the hot path allocates none per request (see SuccessRenderer).
// `npm start` passes the same flag; a process started otherwise (node dist/main.js) still works, with the default.
import { runCli } from './cli/run-cli.js';

// The process edge: real streams, the real environment, and Ctrl-C/SIGTERM turned into cancellation so
// that a run stops its ffmpeg children and removes its partial output before exiting.
// The AWS SDK warns on every start under Node 20 that its releases from 2027 will need Node 22. The
// versions this package pins support Node 20, and a CLI must not print that on each command.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort());
}
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
