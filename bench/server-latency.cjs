// Preloaded into the API server by `npm run bench:api -- --server-latency` (node --require). While the API's
// round runs (between two SIGUSR2: the first starts a recording, the second prints it as a line
// `server-latency {…}` on stderr), it records:
// - the time each request spends inside the server, from Node's 'request' event (head parsed) to 'finish'
//   (answer handed to the kernel);
// - the garbage collector's pauses, and how many of them were full (mark-compact) collections;
// - the event loop's long turns (over 8 ms, timed by a setImmediate per turn), and how long the main thread
//   ran and waited for a CPU over the round (/proc/thread-self/schedstat).
//
// Why: wrk's latency also holds the time a request waits in the socket before the server reads it, and
// the time wrk itself waits for a CPU; set side by side with this, a reader sees how much of the p99 the
// server's own work and its pauses are, and whether a slow batch was the thread working or waiting for a
// CPU the host took. Cost: a listener and two clock readings a request, and a turn of the loop that never
// blocks while a round runs (armed only then, so the other targets' rounds are not disturbed).
const { isMainThread } = require('node:worker_threads');

// The server's worker threads (the WAL checkpointer) load this too; only the main thread serves.
if (isMainThread) {
  const fs = require('node:fs');
  const http = require('node:http');
  const { PerformanceObserver, performance, constants } = require('node:perf_hooks');
  const LONG_TURN_MS = 8;
  let recording = false;
  let times = [];
  let pauses = [];
  let fullGcs = 0;
  let longTurns = [];
  let lastTurn = 0;
  let schedAtStart = [0, 0];
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (recording && event === 'request') {
      const start = performance.now();
      res.once('finish', () => times.push(performance.now() - start));
    }
    return emit.apply(this, arguments);
  };
  new PerformanceObserver((list) => {
    if (!recording) return;
    for (const entry of list.getEntries()) {
      pauses.push(entry.duration);
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
    }
  }).observe({ entryTypes: ['gc'] });
  const turn = () => {
    if (!recording) return;
    const now = performance.now();
    if (now - lastTurn > LONG_TURN_MS) longTurns.push(now - lastTurn);
    lastTurn = now;
    setImmediate(turn);
  };
  // Nanoseconds on a CPU, and waiting for one, of this thread since it started.
  const sched = () => {
    try {
      return fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ').slice(0, 2).map(Number);
    } catch {
      return [Number.NaN, Number.NaN];
    }
  };
  const percentile = (sorted, p) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
  process.on('SIGUSR2', () => {
    if (!recording) {
      recording = true;
      times = [];
      pauses = [];
      fullGcs = 0;
      longTurns = [];
      schedAtStart = sched();
      lastTurn = performance.now();
      setImmediate(turn);
      return;
    }
    recording = false;
    const [ran, waited] = sched();
    const sorted = times.sort((a, b) => a - b);
    const report = {
      requests: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99),
      gcPauses: pauses.length, fullGcs, gcMs: pauses.reduce((a, b) => a + b, 0), gcMaxMs: Math.max(0, ...pauses),
      longTurns: longTurns.length, longTurnsMs: longTurns.reduce((a, b) => a + b, 0),
      ranMs: (ran - schedAtStart[0]) / 1e6, waitedMs: (waited - schedAtStart[1]) / 1e6,
    };
    process.stderr.write(`server-latency ${JSON.stringify(report)}\n`);
  });
}
