-- wrk script: pushes of new messages on keep-alive connections, for `.ci/bench.sh`.
-- Environment: FT_TOKEN (a bearer token), FT_CONVERSATION (a conversation the token's user may
-- write to), FT_RUN (the start time in milliseconds: operation ids and HLCs), FT_CONNECTIONS (for
-- the printed line), FT_BATCH (operations per push, 1 by default).
-- With one operation per push, prints the same line as `.ci/load.mjs latency`; with more, the
-- committed operations per second like `.ci/load.mjs push`. Both add refused and failed counts.
local token = os.getenv("FT_TOKEN")
local conversation = os.getenv("FT_CONVERSATION")
local run = os.getenv("FT_RUN") or tostring(os.time())
local batch = tonumber(os.getenv("FT_BATCH") or "1")
local threads = {}
local counter = 0
prefix = "wrk"
refused = 0
failed = 0

function setup(thread)
  thread:set("prefix", string.format("wrk-%s-%d", run, #threads + 1))
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/sync/push"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["FT-Protocol"] = "1"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  local operations = {}
  for i = 1, batch do
    counter = counter + 1
    local id = string.format("%s-%d", prefix, counter)
    -- Milliseconds from the run's start id: an HLC that is never in the future of the server.
    local hlc = string.format("%016d-%05d-%s", tonumber(run), counter % 100000, "wrk")
    operations[i] = string.format(
      '{"id":"%s","collection":"message","action":"insert","record":"%s","fields":{"conversation":%s,"body":"message de charge %d"},"hlc":"%s"}',
      id, id, conversation, i, hlc)
  end
  return wrk.format(nil, nil, nil, '{"operations":[' .. table.concat(operations, ",") .. ']}')
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif string.find(body, '"status":"rejected"', 1, true) or not string.find(body, '"status":"accepted"', 1, true) then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local bad, rejected = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("failed")
    rejected = rejected + thread:get("refused")
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  if batch > 1 then
    io.write(string.format(
      "push (wrk), batches of %d, %s connections: %d operations in %.2f s = %d ops/s committed; batch p50 %.2f ms, p99 %.2f ms; %d refused, %d failed, %d socket errors\n",
      batch, os.getenv("FT_CONNECTIONS") or "?", summary.requests * batch, seconds, math.floor(summary.requests * batch / seconds),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, rejected, bad, errors))
    return
  end
  io.write(string.format(
    "one-operation push (wrk), %s connections: %d pushes, %d /s; p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d refused, %d failed, %d socket errors\n",
    os.getenv("FT_CONNECTIONS") or "?", summary.requests, math.floor(summary.requests / seconds),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, rejected, bad, errors))
end
