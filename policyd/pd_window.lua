-- pd_window.lua - count a batch of events in their sliding windows,
-- atomically.  Compiled into osm-policyd (pd_store.c); pd_event.c builds
-- the calls.
--
-- ARGV[1..6]: retention_s, server, mode, verdict_expiry_ms (0 = until
-- released), ncalls, ttl_slack_ms (a window's list expires this long
-- after its interval, so plain RPUSHes need not PEXPIRE every time).
-- Then per call, in order:
--   ARGV: now_ms, count(0|1), nmark, event, nfields, fields..., tag, nwin,
--         then per window: level, interval_ms, ratio (permille, 0 = plain
--         count), failed (0|1), report id, and what only a report needs,
--         "type\nseconds\nactions\nkind\ntarget\nkey"
--   (times come as decimal strings, so Redis never formats a Lua number
--   on the common path)
--   KEYS: the tag's verdict hash, nmark message markers, then per window
--         its list (the events as JSON, oldest first, each starting
--         {"id":"...","t":MS), for a ratio window the list of its failed
--         events, and the report hash written if it fires.
-- A list, not a sorted set: events arrive in time order, so appending
-- keeps them sorted, and RPUSH costs Redis less than half the CPU of a
-- ZADD and two thirds of its memory (bench/RESULTS.md).
-- A message marker (SET NX, one hour) makes counting idempotent: the exim
-- module and the mainlog source report the same message id, and the
-- mainlog source may replay lines after a crash; the second is not counted.
-- All keys of one call share one hash tag.
--
-- A window keeps only unconsumed events: when its count exceeds the
-- level, every event in it goes into one report and the list is deleted
-- (those events are consumed for that trigger only); events older than
-- the interval drop out.  A ratio window (delivery results) fires only
-- when, besides, at least ratio/1000 of its events failed.  Returns one
-- {verdict, counts, "report_id type"...} per call, where verdict is "" or
-- "HOLD|DISCARD FIELD REPORT_ID" and counts is each window's count after
-- the event, space-separated ("" when nothing was counted); osm-policyd
-- keeps them to answer the next requests from memory (pd_shadow.c).
--
-- Old events are trimmed only when they could matter: while a list's
-- whole length is within the level nothing can fire, so the count
-- returned is then the list's length, an upper bound of the window's
-- count (the list holds at most level + 1 events, and its idle expiry
-- removes it).  Within a batch, verdict lookups and list lengths are
-- remembered, the events of one list are added with one RPUSH when a
-- count must be exact or at the end, and each list gets one PEXPIRE.
-- Globals are slow to reach from a Redis script; these are used per event.
local KEYS, ARGV, tonumber, unpack, concat, match = KEYS, ARGV, tonumber, unpack, table.concat, string.match
local rcall = redis.call
local retention, server, mode, vexp = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ncalls, slack = tonumber(ARGV[5]), tonumber(ARGV[6])
local verdicts = {}	-- vkey -> field -> value or false
local counts = {}	-- wkey -> length, counting its pending events
local pending = {}	-- wkey -> {event, ...} not yet added
local expire = {}	-- wkey -> interval ms, for lists that still exist
local out = {}
local ki, ai = 1, 7

local function vtable(vkey)
  local t = verdicts[vkey]
  if not t then t = {}; verdicts[vkey] = t end
  return t
end

local function verdict_get(vkey, f)
  local t = vtable(vkey)
  local v = t[f]
  if v == nil then
    v = rcall('HGET', vkey, f) or false
    t[f] = v
  end
  return v, t
end

local function flush(wkey)
  local p = pending[wkey]
  if p then
    rcall('RPUSH', wkey, unpack(p))
    pending[wkey] = nil
  end
end

-- trim - remove the events at or before cut (ms) from the head of the
-- list key, reading 32 at a time; returns how many.  The old events are
-- the head (after a clock step back they stay, as they did by score).
local function trim(key, cut)
  local n = 0
  while true do
    local evs = rcall('LRANGE', key, n, n + 31)
    local i = 1
    while evs[i] and (tonumber(match(evs[i], '"t":(%d+)')) or 0) <= cut do i = i + 1 end
    n = n + i - 1
    if evs[i] or #evs < 32 then break end
  end
  if n > 0 then rcall('LTRIM', key, n, -1) end
  return n
end

for call = 1, ncalls do
  local vkey = KEYS[ki]
  local nows, count, nmark = ARGV[ai], ARGV[ai + 1], tonumber(ARGV[ai + 2])
  local now = tonumber(nows)
  local event, nf = ARGV[ai + 3], tonumber(ARGV[ai + 4])
  local verdict = ''
  for j = 1, nf do
    local f = ARGV[ai + 4 + j]
    local v, t = verdict_get(vkey, f)
    if v then
      local kind, rid, exp = string.match(v, '^(%u+) (%S+) (%d+)$')
      if kind and tonumber(exp) > 0 and tonumber(exp) <= now then
        rcall('HDEL', vkey, f)
        t[f] = false
      elseif kind and (verdict == '' or kind == 'DISCARD') then
        verdict = kind .. ' ' .. f .. ' ' .. rid
      end
    end
  end
  ai = ai + 5 + nf
  if verdict == '' and count == '1' then
    for m = 1, nmark do
      if not rcall('SET', KEYS[ki + m], '1', 'NX', 'EX', 3600) then
        count = '0'
        break
      end
    end
  end
  ki = ki + nmark
  local tag, nwin = ARGV[ai], tonumber(ARGV[ai + 1])
  local res, cnt = {verdict, ''}, {}
  ai = ai + 2
  -- A held sender's mail does not leave, so it is not counted again.
  if verdict == '' and count == '1' then
    local k = ki + 1
    for i = 0, nwin - 1 do
      local a = ai + i * 6
      local level, ms, ratio = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
      local wkey, fkey = KEYS[k], false
      if ratio > 0 then fkey = KEYS[k + 1]; k = k + 1 end
      local rkey = KEYS[k + 1]
      k = k + 2
      local c = counts[wkey] or rcall('LLEN', wkey)
      local p = pending[wkey]
      if not p then p = {}; pending[wkey] = p end
      p[#p + 1] = event
      c = c + 1
      if c > level then
        flush(wkey)
        c = c - trim(wkey, now - tonumber(ms))
      end
      local fire, f = c > level, nil
      if fkey then
        if ARGV[a + 3] == '1' then rcall('RPUSH', fkey, event) end
        expire[fkey] = ms
        if fire then
          trim(fkey, now - tonumber(ms))
          f = rcall('LLEN', fkey)
          fire = f * 1000 >= ratio * c
        end
      end
      if fire then
        local evs = rcall('LRANGE', wkey, 0, -1)
        rcall('DEL', wkey)
        if fkey then rcall('DEL', fkey); expire[fkey] = nil end
        counts[wkey], expire[wkey] = 0, nil
        local id = ARGV[a + 4]
        local typ, secs, actions, kind, target, key =
          string.match(ARGV[a + 5], '^([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)\n([^\n]*)\n(.*)$')
        local applied = ''
        if kind ~= '-' then
          local v = kind .. ' ' .. id .. ' ' .. (vexp > 0 and string.format('%d', now + vexp) or '0')
          rcall('HSET', vkey, target, v)
          vtable(vkey)[target] = v
          applied = kind .. ' ' .. target
          if res[1] == '' or kind == 'DISCARD' then res[1] = kind .. ' ' .. target .. ' ' .. id end
        end
        rcall('HSET', rkey, 'id', id, 'time', nows, 'server', server, 'tag', tag,
          'mode', mode, 'type', typ, 'key', key, 'level', ARGV[a],
          'seconds', secs, 'count', c, 'actions', actions, 'target', target,
          'verdict', applied, 'events', '[' .. table.concat(evs, ',') .. ']')
        if f then rcall('HSET', rkey, 'failures', f, 'ratio', ARGV[a + 2]) end
        rcall('EXPIRE', rkey, retention)
        res[#res + 1] = id .. ' ' .. typ
        cnt[i + 1] = 0
      else
        counts[wkey], expire[wkey] = c, ms
        cnt[i + 1] = c
      end
    end
    res[2] = concat(cnt, ' ')
  end
  for i = 0, nwin - 1 do
    ki = ki + (tonumber(ARGV[ai + i * 6 + 2]) > 0 and 3 or 2)
  end
  ki = ki + 1
  ai = ai + nwin * 6
  out[call] = res
end
for wkey in pairs(pending) do
  flush(wkey)
end
for wkey, ms in pairs(expire) do
  rcall('PEXPIRE', wkey, tonumber(ms) + slack)
end
return out
