import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

/**
 * A fixed arithmetic loop, run for `ms` after a short warm-up, printing how many chunks of it ran per
 * millisecond. Nothing in it touches memory beyond 32 KB or makes a system call: its rate moves only
 * when the CPU under it does.
 */
const PROBE = `
  const a = new Float64Array(4096);
  for (let i = 0; i < a.length; i++) a[i] = i * 1.0001;
  const work = () => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[(i * 7) & 4095]; return s; };
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += work();
  const ms = Number(process.argv[1]), start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) { sink += work(); n++; }
  console.log(sink > 0 ? n / ms : 0);
`;

/**
 * How fast each of this machine's CPUs runs right now: the probe above on every CPU at once, each pinned
 * to its own (`taskset`, util-linux). Empty when taskset is missing.
 *
 * Why a benchmark wants it: on a shared virtual machine the host can hand a virtual CPU a fraction of a
 * physical one for tens of seconds at a time. Measured on this 2-core VM (BENCHMARKS.md, bench:api): one
 * CPU ran at 55–65 % of the other's speed for 23 s of a 30 s idle probe. A server on that CPU serves fewer
 * requests, and in a closed loop each request waits for all the others, so its p99 follows the host, not
 * the code. Sampled around a measured round, the slowest CPU's speed says which rounds the host spoiled.
 */
export async function cpuRates(ms = 300): Promise<number[]> {
  const probes = Array.from({ length: availableParallelism() }, (_, cpu) =>
    promisify(execFile)('taskset', ['--cpu-list', String(cpu), process.execPath, '-e', PROBE, String(ms)]).then(({ stdout }) => Number(stdout.trim())),
  );
  try {
    return await Promise.all(probes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
