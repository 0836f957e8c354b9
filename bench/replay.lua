-- wrk script: replays the requests of a file, one per line, and reports as JSON.
--
-- Each line: METHOD <tab> PATH <tab> AUTHORIZATION <tab> COOKIE <tab> JSON BODY (empty fields allowed).
-- Environment: BENCH_REQUESTS (the file), BENCH_THREADS (wrk's -t), BENCH_ONCE=1 (each line at most
-- once: a thread that has sent its share stops, e.g. when every request acts on a distinct dossier).
-- The threads share the lines round-robin; each cycles through its own share.

local threads = {}

-- BENCH_DELAY_MS: each connection waits this long before each request (the soak's pacing:
-- connections × 1000 / delay = the rate asked for). Unset: as fast as the server answers.
local pacing = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pacing then
  function delay()
    return pacing
  end
end
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("BENCH_REQUESTS")
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  once = os.getenv("BENCH_ONCE") == "1"
  requests_ = {}
  local i = 0
  for line in io.lines(file) do
    if (i % nthreads) == (id - 1) then
      local method, path, auth, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if auth ~= "" then headers["Authorization"] = auth end
      if cookie ~= "" then headers["Cookie"] = cookie end
      if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
      table.insert(requests_, wrk.format(method, path, headers, body))
    end
    i = i + 1
  end
  sent = 0
  first_error = ""
  statuses = ""
end

function request()
  sent = sent + 1
  if sent > #requests_ then
    if once then
      wrk.thread:stop()
    end
    sent = 1
  end
  return requests_[sent]
end

function response(status, headers, body)
  -- A global per status (thread:get reads globals) and the list of those seen.
  local name = "status_" .. status
  local n = _G[name]
  if n == nil then
    statuses = (statuses == "" and "" or statuses .. ",") .. status
    n = 0
  end
  _G[name] = n + 1
  if status >= 400 and first_error == "" then
    first_error = status .. " " .. string.sub(body or "", 1, 300)
  end
end

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
  local errors, by_status = {}, {}
  for _, t in ipairs(threads) do
    local e = t:get("first_error")
    if e and e ~= "" then table.insert(errors, json_string(e)) end
    local seen = t:get("statuses")
    if seen and seen ~= "" then
      for code in string.gmatch(seen, "%d+") do
        table.insert(by_status, '{"' .. code .. '":' .. t:get("status_" .. code) .. "}")
      end
    end
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%d,"max_us":%d,"first_errors":[%s],"statuses":[%s]}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    table.concat(errors, ","), table.concat(by_status, ",")))
end
