/**
 * npm run bench:upload [-- --mb 1024 --part-mb 8 --parallel 4 --rounds 2]
 *
 * Uploads through smartcover the way VOD applications do (CreateUploadVideo, then ali-oss's parallel
 * multipartUpload to the object endpoint), next to copying the same file to the same disk with `cp`, in
 * alternating rounds, medians. smartcover flushes every part and the finished object to disk before it
 * answers 200 (parts survive a crash), so `cp` is shown both as is (page cache only) and followed by an
 * fsync of the copy. CompleteMultipartUpload answers once the parts are recorded; the worker then joins them
 * into one file (a second copy of every byte) and probes it: both times are shown. The server's peak memory during the upload is sampled from /proc every 20 ms.
 * The bytes are random: the video ends UploadFail after its probe, which happens after the upload.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createUploadVideo, ossClient } from '../test/support/oss.js';
import { popClient, ServerProcess } from '../test/support/service.js';
import { median } from './measure.js';

const { values } = parseArgs({ options: {
  mb: { type: 'string', default: '1024' }, 'part-mb': { type: 'string', default: '8' }, parallel: { type: 'string', default: '4' }, rounds: { type: 'string', default: '2' },
} });
const bytes = Number(values.mb) * 1024 * 1024;
const partSize = Number(values['part-mb']) * 1024 * 1024;
const parallel = Number(values.parallel);
const rounds = Number(values.rounds);

// Everything on one disk: the source, the cp target and the server's data directory.
const root = mkdtempSync(join(process.cwd(), 'bench', '.upload-'));
process.env['SMARTCOVER_TEST_DIR'] = root;
const source = join(root, 'source.bin');
await new Promise<void>((resolve, reject) => {
  const out = createWriteStream(source);
  let written = 0;
  const more = () => {
    while (written < bytes) {
      const chunk = randomBytes(Math.min(8 * 1024 * 1024, bytes - written));
      written += chunk.length;
      if (!out.write(chunk)) return void out.once('drain', more);
    }
    out.end(resolve);
  };
  out.on('error', reject);
  more();
});

const server = await ServerProcess.start({ SMARTCOVER_UPLOAD_MAX_BYTES: String(bytes * 2), SMARTCOVER_SUBJECTS: 'off' }, join(root, 'data'));
const client = popClient(server);

/** Peak resident memory of the server's process tree while `during` runs, MB. */
async function peakMemory<T>(pid: number, during: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, rss);
    } catch {
      // sampled as the process changed
    }
  }, 20);
  try {
    return { value: await during(), peakMb: peak / 1024 };
  } finally {
    clearInterval(timer);
  }
}

const upload = async (): Promise<{ seconds: number; settledSeconds: number; peakMb: number }> => {
  const { videoId, address, auth } = await createUploadVideo(client, { Title: 'bench', FileName: 'bench.mp4' });
  const started = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - started) / 1e9;
  const { value: seconds, peakMb } = await peakMemory(server.child.pid!, async () => {
    await ossClient(address, auth).multipartUpload(address.FileName, source, { partSize, parallel });
    return since();
  });
  // Then the worker joins the parts and probes the file (random bytes: it ends UploadFail).
  for (;;) {
    const { Mezzanine } = (await client.request('GetMezzanineInfo', { VideoId: videoId })) as { Mezzanine: { Status: string } };
    if (Mezzanine.Status !== 'Uploading' && Mezzanine.Status !== 'UploadSucc') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { seconds, settledSeconds: since(), peakMb };
};
const copy = (sync: boolean): number => {
  const target = join(root, 'copy.bin');
  const started = process.hrtime.bigint();
  execFileSync('cp', [source, target]);
  if (sync) {
    const fd = openSync(target, 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(target);
  return seconds;
};

/**
 * The client's own ceiling: the same multipartUpload against a server that only reads the bodies (in a
 * child process, as smartcover is), so a reader sees whether ali-oss or the server sets the pace.
 */
async function ceiling(): Promise<number> {
  const script = `
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url.includes('uploads')) return res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId></InitiateMultipartUploadResult>');
        res.writeHead(200, { etag: '"00000000000000000000000000000000"', 'content-type': 'application/xml' }).end(req.method === 'POST' ? '<?xml version="1.0"?><CompleteMultipartUploadResult/>' : '');
      });
    }).listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = (await import('node:child_process')).spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const started = process.hrtime.bigint();
  await ossClient({ Endpoint: `http://127.0.0.1:${port}`, Bucket: 'ceiling', FileName: 'k.mp4' }, { AccessKeyId: 'STS.x', AccessKeySecret: 'x', SecurityToken: 'x', Expiration: '1', ExpireUTCTime: '', Region: 'x' })
    .multipartUpload('k.mp4', source, { partSize, parallel });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  child.kill();
  return seconds;
}

const results = { upload: [] as number[], settled: [] as number[], peak: [] as number[], cp: [] as number[], cpSync: [] as number[], ceiling: [] as number[] };
try {
  for (let round = 0; round < rounds; round++) {
    const u = await upload();
    results.upload.push(u.seconds);
    results.settled.push(u.settledSeconds);
    results.peak.push(u.peakMb);
    results.cp.push(copy(false));
    results.cpSync.push(copy(true));
    results.ceiling.push(await ceiling());
  }
} finally {
  await server.stop('SIGTERM');
}
const mbps = (seconds: number) => bytes / 1024 / 1024 / seconds;
const up = mbps(median(results.upload));
console.log(`
bench:upload — ${values.mb} MB, ${values['part-mb']} MB parts, ${parallel} in parallel, ${rounds} rounds (medians); file ${statSync(source).size} bytes

| | MB/s | smartcover ÷ this |
|---|---|---|
| ali-oss multipartUpload through smartcover, until CompleteMultipartUpload answers (every part flushed to disk) | ${up.toFixed(0)} | |
| … until the worker has joined the parts and probed the file | ${mbps(median(results.settled)).toFixed(0)} | |
| cp to the same disk, then fsync | ${mbps(median(results.cpSync)).toFixed(0)} | ${(up / mbps(median(results.cpSync))).toFixed(2)} (joined: ${(mbps(median(results.settled)) / mbps(median(results.cpSync))).toFixed(2)}) |
| cp to the same disk (page cache) | ${mbps(median(results.cp)).toFixed(0)} | ${(up / mbps(median(results.cp))).toFixed(2)} (joined: ${(mbps(median(results.settled)) / mbps(median(results.cp))).toFixed(2)}) |

The client's ceiling (the same upload to a server that only reads the bodies): ${mbps(median(results.ceiling)).toFixed(0)} MB/s.
Server peak RSS during the upload: ${Math.max(...results.peak).toFixed(0)} MB.
`);
rmSync(root, { recursive: true, force: true });
