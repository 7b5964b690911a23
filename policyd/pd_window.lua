-- pd_window.lua - count one event in its sliding windows, atomically.
-- Compiled into osm-policyd (pd_store.c); see pd_event.c for the layout.
--
-- KEYS[1]      verdict hash of the tag
-- KEYS[2i+2]   window zset i (score = event time in ms, member = event JSON)
-- KEYS[2i+3]   report hash written if window i fires
-- ARGV: now_ms, count(0|1), event, verdict fields ("\n"-separated),
--       retention_s, server, tag, mode, nwin, then per window:
--       type, key, level, seconds, actions, target, kind, expiry_ms, id
--
-- A window keeps only unconsumed events: when its count exceeds the
-- level, every event in it goes into one report and the zset is
-- deleted (those events are consumed for that trigger only); events
-- older than the interval drop out.  Returns {verdict, report ids...}
-- where verdict is "" or "HOLD|DISCARD FIELD REPORT_ID".
local now = tonumber(ARGV[1])
local verdict = ''
for f in string.gmatch(ARGV[4], '[^\n]+') do
  local v = redis.call('HGET', KEYS[1], f)
  if v then
    local kind, rid, exp = string.match(v, '^(%u+) (%S+) (%d+)$')
    if kind and tonumber(exp) > 0 and tonumber(exp) <= now then
      redis.call('HDEL', KEYS[1], f)
    elseif kind and (verdict == '' or kind == 'DISCARD') then
      verdict = kind .. ' ' .. f .. ' ' .. rid
    end
  end
end
-- A held sender's mail does not leave, so it is not counted again.
if verdict ~= '' or ARGV[2] == '0' then return {verdict} end
local out = {''}
local n = tonumber(ARGV[9])
local retention = tonumber(ARGV[5])
for i = 0, n - 1 do
  local a = 10 + i * 9
  local zkey, rkey = KEYS[2 + i * 2], KEYS[3 + i * 2]
  local level, secs = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  redis.call('ZADD', zkey, now, ARGV[3])
  redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now - secs * 1000)
  local c = redis.call('ZCARD', zkey)
  if c > level then
    local evs = redis.call('ZRANGE', zkey, 0, -1)
    redis.call('DEL', zkey)
    local kind, target, id = ARGV[a + 6], ARGV[a + 5], ARGV[a + 8]
    local applied = ''
    if kind ~= '-' then
      redis.call('HSET', KEYS[1], target, kind .. ' ' .. id .. ' ' .. ARGV[a + 7])
      applied = kind .. ' ' .. target
      if out[1] == '' or kind == 'DISCARD' then out[1] = kind .. ' ' .. target .. ' ' .. id end
    end
    redis.call('HSET', rkey, 'id', id, 'time', now, 'server', ARGV[6], 'tag', ARGV[7],
      'mode', ARGV[8], 'type', ARGV[a], 'key', ARGV[a + 1], 'level', level,
      'seconds', secs, 'count', c, 'actions', ARGV[a + 4], 'target', target,
      'verdict', applied, 'events', '[' .. table.concat(evs, ',') .. ']')
    redis.call('EXPIRE', rkey, retention)
    out[#out + 1] = id
  else
    redis.call('PEXPIRE', zkey, secs * 1000)
  end
end
return out
