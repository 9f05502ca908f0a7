// The Lua script behind the shared rate budget: one atomic step per token taken or response observed.

/**
 * KEYS[1] = the workspace's budget hash {end, limit, taken, next, outboundAt}.
 * ARGV = mode ('take' | 'observe'), windowMs, defaultLimit, guardMs, ttlMs, nowMs, then
 *   take:    lane, reserveOutbound
 *   observe: headerLimit, headerRemaining, headerResetMs ('' when the header was absent)
 * Returns {granted 0|1, waitMs, limit, taken, windowEndMs}.
 *
 * The clock is Redis's TIME, so every process agrees on it; a caller with a clock of its own (a test
 * on a manual clock) passes nowMs instead ('' = use TIME). A token taken in the last guardMs of a
 * window is charged to that window and, in `next`, to the following one: the request may reach
 * Intercom after the reset and count there instead, and charging only one side would let a window
 * overfill. Windows advance by whole windowMs from the last known end, so once a Reset header has
 * told us where Intercom's windows fall we stay in phase with them
 * (docs/intercom-api.md#windows-and-headers).
 *
 * The outbound reserve yields: it is kept from other lanes only while pushes want tokens, i.e. an
 * outbound token was granted less than one window ago, or a push is waiting for the reset
 * (`outboundAt`: the last grant, or the end of the window a denied push waits out). A push that
 * finds the window spent by reads thus gets its share in the next one; once pushes stop, reads
 * get the whole window again within one window.
 */
export const RATE_BUDGET_SCRIPT = `
local now = tonumber(ARGV[6])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local mode = ARGV[1]
local windowMs = tonumber(ARGV[2])
local guard = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'end', 'limit', 'taken', 'next', 'outboundAt')
local wend = tonumber(state[1])
local limit = tonumber(state[2]) or tonumber(ARGV[3])
local taken = tonumber(state[3]) or 0
local nextTaken = tonumber(state[4]) or 0
local outboundAt = tonumber(state[5])
if not wend then
  wend = (math.floor(now / windowMs) + 1) * windowMs
  taken = 0
  nextTaken = 0
elseif now >= wend then
  local steps = math.floor((now - wend) / windowMs) + 1
  wend = wend + steps * windowMs
  if steps == 1 then taken = nextTaken else taken = 0 end
  nextTaken = 0
end
local granted = 0
local wait = 0
if mode == 'take' then
  local outbound = ARGV[7] == 'outbound'
  local cap = limit
  if not outbound and outboundAt and now - outboundAt < windowMs then
    cap = math.max(1, math.floor(limit * (1 - tonumber(ARGV[8]))))
  end
  if taken < cap then
    taken = taken + 1
    if now >= wend - guard then nextTaken = nextTaken + 1 end
    granted = 1
  else
    wait = wend - now
  end
  -- a waiting push still wants its share when it wakes at the reset: its demand stands until then
  if outbound then outboundAt = granted == 1 and now or wend end
else
  local hl = tonumber(ARGV[7])
  local hr = tonumber(ARGV[8])
  local hend = tonumber(ARGV[9])
  local hadReset = ARGV[9] ~= ''
  -- a Reset already past is a late response; one far ahead is a broken header or clock: ignore both
  if hend and (hend <= now or hend > now + 2 * windowMs) then hend = nil end
  if hend and hend > wend then
    -- Intercom is already in a later window than we thought: adopt its end and its count
    wend = hend
    if hl then limit = hl end
    taken = 0
    nextTaken = 0
    if hr then taken = math.max(0, limit - hr) end
  elseif hend == wend or not hadReset then
    -- never lower our count: requests still in flight are not in the header's Remaining yet
    if hl then limit = hl end
    if hr then taken = math.max(taken, limit - hr) end
  end
end
redis.call('HSET', KEYS[1], 'end', wend, 'limit', limit, 'taken', taken, 'next', nextTaken)
if outboundAt then redis.call('HSET', KEYS[1], 'outboundAt', outboundAt) end
redis.call('PEXPIRE', KEYS[1], ttl)
return {granted, wait, limit, taken, wend}
`;
