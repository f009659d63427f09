-- wrk script of `ops/bench contacts`: every request is the next line of the file
-- named by BENCH_REQUESTS ("TOKEN PATH" lines, tenants interleaved), sent with
-- that bearer token; each thread starts at a different line. At the end it prints
-- the run's figures as one JSON line (latencies in microseconds).
--
-- With BENCH_THINK_MS set, each connection waits a random 0.5 to 1.5 times that long
-- before each request (a user reading the page), so the load is below saturation.
--
--   BENCH_REQUESTS=requests.txt wrk -t2 -c32 -d20s -s ops/lib/bench_contacts.lua http://127.0.0.1:PORT

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  lines = {}
  local name = os.getenv("BENCH_REQUESTS")
  for line in io.lines(name) do
    local token, path = line:match("^(%S+) (%S+)$")
    if token then
      lines[#lines + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  if #lines == 0 then error("no requests in " .. tostring(name)) end
  -- Threads start apart (a prime stride), so they do not send the same requests in step.
  position = ((thread_number - 1) * 7919) % #lines
  math.randomseed(thread_number)
end

local think = tonumber(os.getenv("BENCH_THINK_MS") or "")
if think and think > 0 then
  function delay()
    return math.floor(think * (0.5 + math.random()))
  end
end

function request()
  position = position % #lines + 1
  return lines[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
