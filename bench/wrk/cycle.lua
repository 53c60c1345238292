-- wrk's script for ``make bench`` (bench/http.py): cycles through the requests of a file and
-- counts every answer whose status is not the one expected.
--
--   wrk -t1 -c32 -d20s -s cycle.lua http://127.0.0.1:PORT -- REQUESTS_FILE EXPECTED_STATUS
--
-- One request a line, fields separated by tabs: method, path, body (may be empty), then any
-- number of "Name: value" headers (a session cookie, a CSRF token, an Authorization header).
-- At the end one line "BENCH_WRK {...}" gives the figures as JSON for bench/http.py to read.

local requests = {}
local index = 0
local expected = 200
unexpected = 0 -- global: done() reads it from each thread with thread:get

local function fields(line)
  local found = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    found[#found + 1] = field
  end
  return found
end

function init(args)
  local file = assert(io.open(args[1]), "no requests file")
  for line in file:lines() do
    local field = fields(line)
    local headers = {}
    for position = 4, #field do
      local name, value = field[position]:match("^([^:]+):%s*(.*)$")
      if name then
        headers[name] = value
      end
    end
    local body = field[3] ~= "" and field[3] or nil
    requests[#requests + 1] = wrk.format(field[1], field[2], headers, body)
  end
  file:close()
  assert(#requests > 0, "the requests file is empty")
  expected = tonumber(args[2] or "200")
  index = math.random(#requests) - 1 -- each thread starts somewhere else in the list
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, _requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("unexpected")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_WRK {"requests": %d, "seconds": %.3f, "socket_errors": %d, "unexpected": %d, '
      .. '"p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    errors.connect + errors.read + errors.write + errors.timeout, wrong,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000
  ))
end
