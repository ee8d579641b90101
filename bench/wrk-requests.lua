-- wrk script for bench:api: cycles through requests signed before the round (one path per line of the
-- file given after --), so the load generator does no signing and no crypto while it measures. done()
-- prints one JSON line the benchmark reads.
local reqs = {}
local n, i = 0, 0
function init(args)
  -- Formatted once here: request() only hands out a prepared string.
  for line in io.lines(args[1]) do n = n + 1; reqs[n] = wrk.format("GET", line) end
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
