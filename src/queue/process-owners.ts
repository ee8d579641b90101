import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a claimed task on the embedded queue, and whether that process still runs.
 *
 * Why: at start, `serve` hands every task still marked active back to the queue at once instead of
 * waiting out its lease, as it was left by a process that died. That holds only if the process that
 * claimed it is gone. A second `serve`, or a `smartcover worker`, may run on the same data directory,
 * and handing its running task back made the task run twice at the same time.
 */
export interface ProcessOwners {
  /** This process, as recorded on the tasks it claims. */
  readonly self: string;
  /** False only when the owner is known to have exited; an owner on another host counts as running. */
  isRunning(owner: string): boolean;
}

/**
 * Owners as host, pid and the pid's start time (Linux's /proc; empty elsewhere), so that a pid the system
 * has since given to another process does not count as the owner still running.
 */
export const localProcesses: ProcessOwners = {
  self: processOwner(process.pid),
  isRunning(owner) {
    const [host, pidText, started] = owner.split('/');
    const pid = Number(pidText);
    if (host === undefined || started === undefined || !Number.isInteger(pid) || pid <= 0) return false;
    // Another host (a data directory on shared storage): nothing here can tell; its lease decides.
    if (host !== hostname()) return true;
    try {
      process.kill(pid, 0);
    } catch (error) {
      // EPERM: it exists, under another user.
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
    const now = startTime(pid);
    return started === '' || now === undefined || now === started;
  },
};

/** How a process on this host is recorded as an owner. */
export function processOwner(pid: number): string {
  return `${hostname()}/${pid}/${startTime(pid) ?? ''}`;
}

/** When the process started, in clock ticks since boot (field 22 of /proc/PID/stat); undefined off Linux. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
