// Preloaded into the API server by `npm run bench:api -- --server-latency` (node --require): the time each
// request spends inside the server, from Node's 'request' event (head parsed) to 'finish' (answer handed
// to the kernel), and the garbage collector's pauses. Each SIGUSR2 prints what was recorded since the one
// before as a line `server-latency {…}` on stderr, and starts over.
//
// Why: wrk's latency also holds the time a request waits in the socket before the server reads it, and
// the time wrk itself waits for a CPU; set side by side with this, a reader sees how much of the p99 the
// server's own work and its pauses are. Cost: a listener and two clock readings a request.
const { isMainThread } = require('node:worker_threads');

// The server's worker threads (the WAL checkpointer) load this too; only the main thread serves.
if (isMainThread) {
  const http = require('node:http');
  const { PerformanceObserver, performance } = require('node:perf_hooks');
  let times = [];
  let pauses = [];
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === 'request') {
      const start = performance.now();
      res.once('finish', () => times.push(performance.now() - start));
    }
    return emit.apply(this, arguments);
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration);
  }).observe({ entryTypes: ['gc'] });
  const percentile = (sorted, p) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
  process.on('SIGUSR2', () => {
    const sorted = times.sort((a, b) => a - b);
    const report = {
      requests: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99),
      gcPauses: pauses.length, gcMs: pauses.reduce((a, b) => a + b, 0), gcMaxMs: Math.max(0, ...pauses),
    };
    times = [];
    pauses = [];
    process.stderr.write(`server-latency ${JSON.stringify(report)}\n`);
  });
}
