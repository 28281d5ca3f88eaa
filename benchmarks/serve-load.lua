-- wrk script for benchmarks/serve-load.sh: POSTs v2 inference requests, cycling through the JSON bodies of the
-- file $EBJR_BODIES (one request per line), and counts answers by status.
-- Prints one JSON line at the end: requests/s, latency percentiles (µs), and status / error counts.
local bodies = {}
for line in io.lines(os.getenv("EBJR_BODIES")) do bodies[#bodies + 1] = line end
local threads = {}
next_index, ok, refused, unavailable, other = 0, 0, 0, 0, 0  -- globals: done() reads them with thread:get

function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end

function init(args)
  next_index = first
end

function request()
  next_index = next_index + 1
  return wrk.format("POST", wrk.path, { ["Content-Type"] = "application/json" }, bodies[(next_index % #bodies) + 1])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status == 429 then refused = refused + 1
  elseif status == 503 then unavailable = unavailable + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local s = { ok = 0, refused = 0, unavailable = 0, other = 0 }
  for _, t in ipairs(threads) do
    s.ok = s.ok + t:get("ok"); s.refused = s.refused + t:get("refused")
    s.unavailable = s.unavailable + t:get("unavailable"); s.other = s.other + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"status_200": %d, "status_429": %d, "status_503": %d, "status_other": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    s.ok, s.refused, s.unavailable, s.other, e.connect, e.read, e.write, e.timeout))
end
