-- pd_window.lua - count a batch of events in their sliding windows,
-- atomically.  Compiled into osm-policyd (pd_store.c); pd_event.c builds
-- the calls.
--
-- ARGV[1..4]: retention_s, server, mode, ncalls.  Then per call, in order:
--   ARGV: now_ms, count(0|1), nmark, event, nfields, fields..., tag, nwin, then
--         per window: type, key, level, seconds, actions, target, kind,
--         expiry_ms, id, cutoff_ms (now - interval), interval_ms, ratio
--         (permille, 0 = plain count), failed (0|1)
--   (times come as decimal strings, so Redis never formats a Lua number)
--   KEYS: the tag's verdict hash, nmark message markers, then per window
--         its zset (score = event time in ms, member = event JSON), for a
--         ratio window the zset of its failed events, and the report hash
--         written if it fires.
-- A message marker (SET NX, one hour) makes counting idempotent: the exim
-- module and the mainlog source report the same message id, and the
-- mainlog source may replay lines after a crash; the second is not counted.
-- All keys of one call share one hash tag.
--
-- A window keeps only unconsumed events: when its count exceeds the
-- level, every event in it goes into one report and the zset is deleted
-- (those events are consumed for that trigger only); events older than
-- the interval drop out.  A ratio window (delivery results) fires only
-- when, besides, at least ratio/1000 of its events failed.  Returns one
-- {verdict, counts, report ids...} per call, where verdict is "" or
-- "HOLD|DISCARD FIELD REPORT_ID" and counts is each window's count after
-- the event, space-separated ("" when nothing was counted); osm-policyd
-- keeps them to answer the next requests from memory (pd_shadow.c).
--
-- Within a batch, verdict lookups and window counts are remembered, so
-- many events of one sender cost one ZADD each, and each zset gets one
-- PEXPIRE at the end.
local retention, server, mode = ARGV[1], ARGV[2], ARGV[3]
local ncalls = tonumber(ARGV[4])
local verdicts = {}	-- vkey .. '\n' .. field -> value or false
local seen, counts = {}, {}	-- zkey -> now, count after this batch's last add
local expire = {}		-- zkey -> interval ms, for zsets that still exist
local out = {}
local ki, ai = 1, 5

local function verdict_get(vkey, f)
  local ck = vkey .. '\n' .. f
  local v = verdicts[ck]
  if v == nil then
    v = redis.call('HGET', vkey, f) or false
    verdicts[ck] = v
  end
  return v, ck
end

for call = 1, ncalls do
  local vkey = KEYS[ki]
  local nows, count, nmark = ARGV[ai], ARGV[ai + 1], tonumber(ARGV[ai + 2])
  local now = tonumber(nows)
  ai = ai + 1
  local event, nf = ARGV[ai + 2], tonumber(ARGV[ai + 3])
  local verdict = ''
  for j = 1, nf do
    local f = ARGV[ai + 3 + j]
    local v, ck = verdict_get(vkey, f)
    if v then
      local kind, rid, exp = string.match(v, '^(%u+) (%S+) (%d+)$')
      if kind and tonumber(exp) > 0 and tonumber(exp) <= now then
        redis.call('HDEL', vkey, f)
        verdicts[ck] = false
      elseif kind and (verdict == '' or kind == 'DISCARD') then
        verdict = kind .. ' ' .. f .. ' ' .. rid
      end
    end
  end
  ai = ai + 4 + nf
  if verdict == '' and count == '1' then
    for m = 1, nmark do
      if not redis.call('SET', KEYS[ki + m], '1', 'NX', 'EX', 3600) then
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
      local a = ai + i * 13
      local ratio = tonumber(ARGV[a + 11])
      local zkey, fkey = KEYS[k], false
      if ratio > 0 then fkey = KEYS[k + 1]; k = k + 1 end
      local rkey = KEYS[k + 1]
      k = k + 2
      local level = tonumber(ARGV[a + 2])
      local c, f
      redis.call('ZADD', zkey, nows, event)
      if seen[zkey] == nows then
        c = counts[zkey] + 1
      else
        redis.call('ZREMRANGEBYSCORE', zkey, '-inf', ARGV[a + 9])
        c = redis.call('ZCARD', zkey)
      end
      local fire = c > level
      if fkey then
        if ARGV[a + 12] == '1' then redis.call('ZADD', fkey, nows, event) end
        expire[fkey] = ARGV[a + 10]
        if fire then
          redis.call('ZREMRANGEBYSCORE', fkey, '-inf', ARGV[a + 9])
          f = redis.call('ZCARD', fkey)
          fire = f * 1000 >= ratio * c
        end
      end
      if fire then
        local evs = redis.call('ZRANGE', zkey, 0, -1)
        redis.call('DEL', zkey)
        if fkey then redis.call('DEL', fkey); expire[fkey] = nil end
        seen[zkey], counts[zkey], expire[zkey] = nows, 0, nil
        local kind, target, id = ARGV[a + 6], ARGV[a + 5], ARGV[a + 8]
        local applied = ''
        if kind ~= '-' then
          local v = kind .. ' ' .. id .. ' ' .. ARGV[a + 7]
          redis.call('HSET', vkey, target, v)
          verdicts[vkey .. '\n' .. target] = v
          applied = kind .. ' ' .. target
          if res[1] == '' or kind == 'DISCARD' then res[1] = kind .. ' ' .. target .. ' ' .. id end
        end
        redis.call('HSET', rkey, 'id', id, 'time', nows, 'server', server, 'tag', tag,
          'mode', mode, 'type', ARGV[a], 'key', ARGV[a + 1], 'level', ARGV[a + 2],
          'seconds', ARGV[a + 3], 'count', c, 'actions', ARGV[a + 4], 'target', target,
          'verdict', applied, 'events', '[' .. table.concat(evs, ',') .. ']')
        if f then redis.call('HSET', rkey, 'failures', f, 'ratio', ARGV[a + 11]) end
        redis.call('EXPIRE', rkey, retention)
        res[#res + 1] = id
        cnt[i + 1] = 0
      else
        seen[zkey], counts[zkey], expire[zkey] = nows, c, ARGV[a + 10]
        cnt[i + 1] = c
      end
    end
    res[2] = table.concat(cnt, ' ')
  end
  for i = 0, nwin - 1 do
    ki = ki + (tonumber(ARGV[ai + i * 13 + 11]) > 0 and 3 or 2)
  end
  ki = ki + 1
  ai = ai + nwin * 13
  out[call] = res
end
for zkey, ms in pairs(expire) do
  redis.call('PEXPIRE', zkey, ms)
end
return out
