-- flood.lua - wrk script for tests/flood.sh: a flood of prefix queries.
--
-- Each request is GET /api/search?q=... with one of three kinds of query,
-- drawn at random (seeded per thread, so a run is repeatable):
--   6 in 10  4 to 12 three-letter prefixes of common words ORed together
--            ("sai* OR yea* OR com* ..."): each stands for up to 64
--            words, the query for up to 256, thousands of matches;
--   2 in 10  3 to 6 of them ANDed ("com* mar* pri*");
--   2 in 10  one- and two-letter prefixes ("a* OR b* OR co*"), which the
--            server must refuse at once with 400.
-- Counts answers per status and at the end prints one line:
--
--   FLOOD requests=.. rps=.. p50_ms=.. p99_ms=.. max_ms=.. statuses=200:..,400:..
--         connect=.. read=.. write=.. timeout=..
--
-- usage: wrk -t2 -c8 -d15s --timeout 30s -s tests/flood.lua http://127.0.0.1:PORT

local PREFIXES = {
   "sai", "yea", "com", "mar", "pri", "sha", "ban", "pro", "sto", "tra",
   "exp", "rat", "inc", "mil", "dol", "gov", "pre", "off", "int", "rep",
   "exc", "ind", "cor", "sal", "cen", "oil", "pet", "tra", "con", "res",
   "qua", "pay", "ear", "los", "net", "fin", "sec", "agr", "div", "cap",
}
local SHORT = { "a", "b", "c", "s", "t", "m", "p", "co", "ma", "st", "re", "in" }

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   threads[#threads + 1] = thread
end

bystatus = {}

function init(args)
   math.randomseed(1000 + (id or 0))
end

local function pick(list, n, sep)
   local out = {}
   for i = 1, n do
      out[i] = list[math.random(#list)] .. "*"
   end
   return table.concat(out, sep)
end

function request()
   local r = math.random(10)
   local q
   if r <= 6 then
      q = pick(PREFIXES, math.random(4, 12), "+OR+")
   elseif r <= 8 then
      q = pick(PREFIXES, math.random(3, 6), "+")
   else
      q = pick(SHORT, math.random(1, 4), "+OR+")
   end
   return wrk.format("GET", "/api/search?q=" .. q:gsub("%*", "%%2A"))
end

function response(status, headers, body)
   bystatus[status] = (bystatus[status] or 0) + 1
end

function done(summary, latency, requests)
   local statuses = {}
   for _, t in ipairs(threads) do
      local bs = t:get("bystatus")
      if type(bs) == "table" then
         for k, v in pairs(bs) do
            statuses[k] = (statuses[k] or 0) + v
         end
      end
   end
   local st = {}
   for k, v in pairs(statuses) do
      st[#st + 1] = tostring(k) .. ":" .. tostring(v)
   end
   table.sort(st)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "FLOOD requests=%d rps=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
      "statuses=%s connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, secs > 0 and summary.requests / secs or 0,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, #st > 0 and table.concat(st, ",") or "-",
      e.connect, e.read, e.write, e.timeout))
end
