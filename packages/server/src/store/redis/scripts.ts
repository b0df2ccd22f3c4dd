/**
 * The Lua scripts run inside Redis. Each one runs atomically (no other command interleaves), which is what
 * makes an append a compare-and-set on the head: read the head, compare, append, move the head, in one step.
 * Keys are passed as KEYS (all in one hash slot, see keys.ts), so the scripts also run on Redis Cluster.
 */

/**
 * KEYS: log, head, known, digests[, bus]. ARGV: baseSeq, version, digest, record JSON, maxKnown, maxMissed,
 * epoch (the log incarnation the node loaded: a different or missing one means Redis lost the resource's data).
 * Replies also {'lost', epoch or ''}.
 * With a 5th key (Redis Cluster), the new position is published on that shard channel (SPUBLISH).
 * Replies: {'ok', seq, bytes} | {'taken', digest} | {'moved', entries after baseSeq (at most maxMissed)}.
 * A Version already taken wins over a moved head, so a retry whose first attempt did land is recognized.
 */
export const APPEND_SCRIPT = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if epoch ~= ARGV[7] then return {'lost', epoch or ''} end
local taken = redis.call('HGET', KEYS[4], ARGV[2])
if taken then return {'taken', taken} end
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local base = tonumber(ARGV[1])
if seq ~= base then
  if base > seq then return {'moved', {}} end
  return {'moved', redis.call('XRANGE', KEYS[1], (base + 1) .. '-0', '+', 'COUNT', ARGV[6])}
end
local nextSeq = seq + 1
redis.call('XADD', KEYS[1], nextSeq .. '-0', 'r', ARGV[4], 'e', ARGV[7])
redis.call('HSET', KEYS[2], 'seq', nextSeq)
local bytes = redis.call('HINCRBY', KEYS[2], 'bytes', string.len(ARGV[4]))
redis.call('ZADD', KEYS[3], nextSeq, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[3], excess)
  for i = 1, #oldest, 2 do redis.call('HDEL', KEYS[4], oldest[i]) end
end
if KEYS[5] then redis.call('SPUBLISH', KEYS[5], nextSeq) end
return {'ok', nextSeq, bytes}
`;

/**
 * KEYS: log, head, snapshot. ARGV: a new epoch. Reply: {snapshot seq, snapshot base JSON or '', head seq, bytes,
 * entries after the snapshot, epoch}. One script, so that no append or trim slips between reading the snapshot
 * and the entries after it. The epoch names this incarnation of the resource's log: set once (HSETNX) by the
 * first load, gone with the data if Redis loses it, and checked by every append, snapshot and reconnect.
 */
export const LOAD_SCRIPT = `
redis.call('HSETNX', KEYS[2], 'epoch', ARGV[1])
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local snap = redis.call('HMGET', KEYS[3], 'seq', 'base')
local seq = tonumber(snap[1] or '0')
local head = redis.call('HMGET', KEYS[2], 'seq', 'bytes')
local entries = redis.call('XRANGE', KEYS[1], (seq + 1) .. '-0', '+')
return {seq, snap[2] or '', tonumber(head[1] or '0'), tonumber(head[2] or '0'), entries, epoch}
`;

/**
 * KEYS: log, head, snapshot. ARGV: seq, base JSON, epoch (-1 when it is not the log's: Redis lost data). Stores the snapshot unless a newer one is there, then trims
 * every entry it covers (XTRIM MINID) and restarts the byte count. Reply: 1 stored, 0 an equal or newer one was there.
 */
export const SNAPSHOT_SCRIPT = `
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[3] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
local seq = tonumber(ARGV[1])
if seq <= current then return 0 end
redis.call('HSET', KEYS[3], 'seq', seq, 'base', ARGV[2])
redis.call('XTRIM', KEYS[1], 'MINID', (seq + 1) .. '-0')
redis.call('HSET', KEYS[2], 'bytes', 0)
return 1
`;

/** KEYS: heads (one Redis, not a cluster: any slots). Reply: {epoch, seq} of each (false where missing). */
export const HEADS_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HMGET', key, 'epoch', 'seq') end
return out
`;
