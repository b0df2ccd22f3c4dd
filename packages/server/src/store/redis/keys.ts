/**
 * The Redis keys of one resource. Every key carries the same hash tag, `{<path>}`, so that all of a resource's
 * keys live in one hash slot: the append script touches several of them atomically, and Redis Cluster can
 * still spread resources over shards. Redis takes the tag from the first `{` to the next `}`, so the path is
 * escaped to contain neither (and `%`, so that escaping stays one-to-one).
 */
export interface ResourceKeys {
  /** Stream: one entry per version, entry id `<seq>-0`, field `r` = the version record's JSON. */
  log: string;
  /** Hash: `seq` (the head's position) and `bytes` (appended since the last snapshot). */
  head: string;
  /** Sorted set: version id → seq, for the oldest-first bound on the digests. */
  known: string;
  /** Hash: version id → digest of the write that made it (true-retry detection across nodes). */
  digests: string;
  /** Hash: `seq` and `base` (JSON of {version, value}): the state at seq, once older entries are trimmed. */
  snapshot: string;
  /** Shard channel (Redis Cluster): the append script publishes each new position there (see clusterFollowers.ts). */
  bus: string;
}

export function resourceKeys(prefix: string, path: string): ResourceKeys {
  const tag = `{${path.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}}`;
  const base = `${prefix}${tag}`;
  return {
    log: `${base}:log`,
    head: `${base}:head`,
    known: `${base}:known`,
    digests: `${base}:digests`,
    snapshot: `${base}:snapshot`,
    bus: `${base}:bus`,
  };
}

/** The stream entry id of the version at position `seq`. */
export function entryId(seq: number): string {
  return `${seq}-0`;
}

/** The position of a stream entry id made by `entryId`. */
export function seqOfEntryId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
