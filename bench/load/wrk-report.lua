-- Owns wrk's side of the bench: an optional paced mode and a machine-readable summary.
-- With BENCH_THINK_MS set, each connection waits a random think time (uniform, 0.5x to 1.5x
-- the mean) before its next request, so that N connections hold about N*1000/mean requests/s
-- without marching in step. After the run, one line "BENCH_JSON {...}" for bench/load/wrk.ts
-- to read, instead of parsing wrk's human report (whose units vary).
local think = tonumber(os.getenv('BENCH_THINK_MS') or '')
if think then
  math.randomseed(os.time())
  delay = function()
    return think * (0.5 + math.random())
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.2f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
