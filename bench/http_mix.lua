-- http_mix.lua - wrk script: a fixed mix of morgue-serve requests.
--
-- Reads the request paths (one per line, already percent-encoded, e.g.
-- /api/search?q=oil+prices; blank lines and lines starting with # are
-- skipped) from the file named after "--" on wrk's command line, else
-- by $MORGUE_HTTP_QUERIES, else bench/http_queries.txt.  Each thread goes
-- round the list in order from its own starting point (thread i starts at
-- i*0.618*N), so the run is deterministic and the connections are spread
-- over the mix.  Counts the answers that are not 200 per status,
-- and at the end prints one line a script can read:
--
--   RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=..
--          errors=.. non200=.. connect=.. read=.. write=.. timeout=..
--
-- errors = connect + read + write + timeout + status (wrk's socket errors
-- plus its non-2xx/3xx count); non200 = answers whose status was not 200.
--
-- usage: wrk -t2 -c32 -d20s --latency -s bench/http_mix.lua \
--            http://127.0.0.1:PORT -- bench/http_queries.txt

local function read_paths(file)
   local f, err = io.open(file, "r")
   if not f then
      error("http_mix.lua: cannot read " .. tostring(err))
   end
   local paths = {}
   for line in f:lines() do
      line = line:gsub("\r$", ""):gsub("^%s+", ""):gsub("%s+$", "")
      if line ~= "" and line:sub(1, 1) ~= "#" then
         if line:sub(1, 1) ~= "/" then
            error("http_mix.lua: " .. file .. ": not a path: " .. line)
         end
         paths[#paths + 1] = line
      end
   end
   f:close()
   if #paths == 0 then
      error("http_mix.lua: " .. file .. ": no requests")
   end
   return paths
end

local function queries_file(args)
   if args and args[1] and args[1] ~= "" then
      return args[1]
   end
   return os.getenv("MORGUE_HTTP_QUERIES") or "bench/http_queries.txt"
end

-- Main state: number the threads and keep them to sum up in done().
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   threads[#threads + 1] = thread
end

-- Thread states from here on.
local requests_fmt, n, pos
non200 = 0
bystatus = {}

function init(args)
   local paths = read_paths(queries_file(args))
   requests_fmt = {}
   for i, p in ipairs(paths) do
      requests_fmt[i] = wrk.format("GET", p)
   end
   n = #requests_fmt
   -- init() runs before the next thread's setup(), so the thread count is
   -- not known here: start thread i at i times the golden ratio round the
   -- list, which spreads any number of threads evenly.
   pos = math.floor((id or 0) * n * 0.6180339887) % n
end

function request()
   pos = pos % n + 1
   return requests_fmt[pos]
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      bystatus[status] = (bystatus[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local non = 0
   local statuses = {}
   for _, t in ipairs(threads) do
      non = non + (tonumber(t:get("non200")) or 0)
      local bs = t:get("bystatus")
      if type(bs) == "table" then
         for k, v in pairs(bs) do
            statuses[k] = (statuses[k] or 0) + v
         end
      end
   end
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout + e.status
   local secs = summary.duration / 1e6
   local rps = secs > 0 and summary.requests / secs or 0
   local function ms(us) return us / 1000 end
   local st = {}
   for k, v in pairs(statuses) do
      st[#st + 1] = tostring(k) .. ":" .. tostring(v)
   end
   table.sort(st)
   io.write(string.format(
      "RESULT rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
      "requests=%d errors=%d non200=%d connect=%d read=%d write=%d " ..
      "timeout=%d status=%d statuses=%s\n",
      rps, ms(latency:percentile(50)), ms(latency:percentile(90)),
      ms(latency:percentile(99)), ms(latency.max), summary.requests,
      errors, non, e.connect, e.read, e.write, e.timeout, e.status,
      #st > 0 and table.concat(st, ",") or "-"))
end
