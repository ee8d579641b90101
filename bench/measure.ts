import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measurement {
  /** User + system CPU seconds of the command and every process it started and waited for. */
  readonly cpu: number;
  readonly wall: number;
  /** Highest sum of resident memory over the whole process tree at one moment, MB (sampled every 20 ms). */
  readonly peakTreeMb: number;
  /** Highest resident memory of the single largest process, MB. */
  readonly peakProcessMb: number;
  /**
   * Highest sum of proportional set sizes over the tree, MB: shared pages counted once across all the
   * processes that map them (the RSS sum counts node's and ffmpeg's shared libraries once per process,
   * and node's text pages shared with this measuring node too). What the tree really costs in RAM.
   */
  readonly peakTreePssMb: number;
}

/**
 * Runs a command under bash and reads bash's `times` for its children: the CPU of everything the command
 * started (node's ffmpeg children included, since node waits for them). Memory is sampled from /proc.
 */
export function measure(argv: readonly string[]): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('bash', ['-c', '"$@" >/dev/null 2>/tmp/smartcover-bench.err; code=$?; times >&2; exit $code', 'bash', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let peakTree = 0;
    let peakProcess = 0;
    let peakPss = 0;
    const timer = setInterval(() => {
      const tree = descendants(child.pid!);
      let sum = 0;
      let pss = 0;
      for (const pid of tree) {
        const rss = rssKb(pid);
        sum += rss;
        pss += pssKb(pid);
        peakProcess = Math.max(peakProcess, rss);
      }
      peakTree = Math.max(peakTree, sum);
      peakPss = Math.max(peakPss, pss);
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${readFileSync('/tmp/smartcover-bench.err', 'utf8').slice(-500)}`));
      // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.567s".
      const lines = stderr.trim().split('\n');
      const [user, sys] = (lines.at(-1) ?? '').split(/\s+/).map(seconds);
      resolve({ cpu: (user ?? 0) + (sys ?? 0), wall, peakTreeMb: peakTree / 1024, peakProcessMb: peakProcess / 1024, peakTreePssMb: peakPss / 1024 });
    });
  });
}

function seconds(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  return m === null ? NaN : Number(m[1]) * 60 + Number(m[2]);
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended between readdir and read.
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  return found;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
