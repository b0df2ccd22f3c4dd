import { randomUUID } from 'node:crypto';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import {
  type FollowHandlers,
  HeadMovedError,
  type SharedLog,
  SharedLogDataLossError,
  SharedLogUnavailableError,
  VersionTakenError,
} from '../../cluster/sharedLog';
import { isBase } from '../recordShape';
import type { BraidStore, StoredResource, VersionRecord } from '../types';
import { ClusterFollowers } from './clusterFollowers';
import { parseEntries, type StreamEntry } from './entries';
import { hashSlot } from './hashSlot';
import { type ResourceKeys, resourceKeys } from './keys';
import { runScript } from './runScript';
import { APPEND_SCRIPT, HEADS_SCRIPT, LOAD_SCRIPT, SNAPSHOT_SCRIPT } from './scripts';
import { type FollowedStream, type StreamFollowers, StreamReader } from './streamReader';

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Give either this or `cluster`. */
  url?: string;
  /**
   * Redis Cluster: some of its nodes (`'host:port'` or `{ host, port }`; ioredis discovers the rest). Each
   * resource's keys share one hash slot; this node follows each resource on the primary that owns its slot.
   */
  cluster?: readonly (string | { host: string; port: number })[];
  /** Passed to ioredis's `Cluster` as they are (NAT maps, TLS, …), with `cluster`. */
  clusterOptions?: Omit<ClusterOptions, 'redisOptions'>;
  /** Prefix of every key (default `braid:`). Several apps can share one Redis with different prefixes. */
  keyPrefix?: string;
  /**
   * After each append, wait until this many replicas have it (`WAIT`), else answer 503 (the version is in the
   * primary and shows up everywhere; the client's retry is a duplicate). Default 0: the primary's AOF only.
   */
  replicas?: number;
  /** How long one append (and `WAIT`) may take before it is answered 503 (ms, default 5000). */
  commandTimeoutMs?: number;
  /** How long loading a resource waits for a connection that is not up yet (ms, default 5000). */
  connectTimeoutMs?: number;
  /** Version ids (with digests) remembered per resource in Redis for duplicate detection (default 10000). */
  maxKnownVersions?: number;
  /**
   * How often a connected node checks the resources it holds for Redis data loss that came without a
   * reconnect (FLUSHALL, eviction): ms, default 5000. (After every reconnect it checks before serving again.)
   */
  lossCheckMs?: number;
  /** Passed to ioredis as they are (TLS, sentinels, …); the options above win where they overlap. */
  redisOptions?: RedisOptions;
  /** Where connection errors go (default: console.error, at most once per outage). */
  onError?: (error: unknown, context: string) => void;
}

export interface RedisStore extends BraidStore {
  readonly shared: SharedLog;
  /** Streams this node follows now (one per resource in memory) and whether both connections are up. */
  stats(): { followedStreams: number; available: boolean };
}

/** Heads read by one check script (bounds one script's run time in Redis). */
const HEADS_PER_CHECK = 500;
/** The most missed versions one lost append brings back (more: it loses again and fetches the rest). */
const MAX_MISSED_PER_REPLY = 1_000;

/**
 * A store and bus for several server nodes on one Redis (DESIGN.md "Many nodes: Redis as the log and the bus").
 * Per resource: a stream as the ordered log, a head, the known version ids with digests and a snapshot, all in
 * one hash slot. Appends are a compare-and-set in one Lua script; each node follows the streams of the
 * resources it holds with one blocking XREAD connection.
 *
 * "Durable" means what Redis makes durable: configure `appendonly yes` and `appendfsync always` on the
 * primary (see README), and `replicas` to also wait for replicas.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if ((options.url === undefined) === (options.cluster === undefined)) {
    throw new TypeError('redisStore: give either url or cluster');
  }
  const prefix = options.keyPrefix ?? 'braid:';
  if (/[{}]/.test(prefix)) throw new TypeError('redisStore: keyPrefix must not contain { or }');
  const maxKnown = options.maxKnownVersions ?? 10_000;
  const replicas = options.replicas ?? 0;
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  let outageReported = false;
  const onError =
    options.onError ??
    ((error: unknown, context: string) => {
      if (outageReported) return;
      outageReported = true;
      console.error(`braid-live redisStore: ${context}:`, error);
    });

  // Fail fast instead of queueing: a command that cannot be sent now is a 503 now, and one in flight when the
  // connection drops is rejected (never silently resent: its outcome is unknown, and the client's retry with
  // the same Version settles it).
  const common: RedisOptions = {
    ...options.redisOptions,
    // RESP2: XREAD replies as [[stream, entries], …] (RESP3 would make it a map).
    protocol: 2,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  };
  const reportError = (error: unknown, context: string) => onError(error, context);
  let command: Redis | Cluster;
  let reader: Redis | undefined;
  let streams: StreamFollowers;
  if (options.cluster) {
    const cluster = new Cluster(
      options.cluster.map((node) => {
        if (typeof node !== 'string') return node;
        const colon = node.lastIndexOf(':');
        return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
      }),
      {
        ...options.clusterOptions,
        enableOfflineQueue: false,
        clusterRetryStrategy: (times) => Math.min(50 * times, 1_000),
        redisOptions: { ...common, commandTimeout: commandTimeoutMs },
      },
    );
    command = cluster;
    // Subscriber connections may queue while connecting: subscribing twice is harmless, and what they carry
    // is only a nudge to read (the reads themselves fail fast on the cluster connection).
    const subscriber = (host: string, port: number) =>
      new Redis({ ...common, host, port, enableOfflineQueue: true, autoResubscribe: true });
    const followers = new ClusterFollowers(
      cluster,
      subscriber,
      reportError,
      () => onConnectionChange(),
      (stream, reason) => dataLost(stream.path, reason),
    );
    cluster.on('ready', () => followers.connectToPrimaries());
    streams = followers;
  } else {
    const url = options.url as string;
    command = new Redis(url, { ...common, commandTimeout: commandTimeoutMs });
    reader = new Redis(url, { ...common, blockingTimeout: 10_000, blockingTimeoutGrace: 2_000 });
    streams = new StreamReader(reader, command, reportError, (stream, reason) =>
      dataLost(stream.path, reason),
    );
  }
  const keysOf = new Map<string, ResourceKeys>();
  const logBytes = new Map<string, number>();
  /** Positions loaded, for the follow that comes right after the load. */
  const loadedSeq = new Map<string, number>();
  /** The log incarnation each resource was loaded from (LOAD_SCRIPT): checked by appends, snapshots, reconnects. */
  const epochOf = new Map<string, string>();
  let wasConnected = false;
  /** After a reconnect: whether every followed stream was checked for data loss (until then: unavailable). */
  let verified = false;
  let verifyRound = 0;
  let closed = false;

  function keys(path: string): ResourceKeys {
    let k = keysOf.get(path);
    if (!k) {
      k = resourceKeys(prefix, path);
      keysOf.set(path, k);
    }
    return k;
  }

  const isConnected = () => !closed && command.status === 'ready' && streams.ready;
  const isAvailable = () => isConnected() && verified;

  function onConnectionChange(): void {
    const connected = isConnected();
    if (connected === wasConnected) return;
    wasConnected = connected;
    if (connected) {
      outageReported = false;
      void verifyFollowed();
      return;
    }
    verified = false;
    // Every follower is told: its subscribers are ended (they reconnect, here or elsewhere) instead of staying
    // open on a node that no longer hears the log.
    for (const stream of streams.streams.values()) {
      try {
        stream.handlers.onLost();
      } catch (error) {
        onError(error, `onLost of ${stream.path}`);
      }
    }
  }
  for (const connection of reader ? [command, reader] : [command]) {
    connection.on('ready', onConnectionChange);
    connection.on('close', onConnectionChange);
    connection.on('end', onConnectionChange);
    connection.on('error', (error) => onError(error, 'connection'));
  }

  /**
   * After every (re)connect, before serving again: each followed resource must still be the log this node
   * loaded. A Redis that restarted without its data (no AOF), or a failover to a replica that missed writes,
   * shows as a missing or different epoch, or a head behind what this node has seen; such a resource is reset
   * (dataLost) instead of being served stale while every status says fine.
   */
  async function verifyFollowed(): Promise<void> {
    const round = ++verifyRound;
    try {
      await checkFollowed();
      if (round === verifyRound && isConnected()) verified = true;
    } catch (error) {
      onError(error, 'checking the followed resources after a reconnect');
      if (round === verifyRound && isConnected()) setTimeout(() => void verifyFollowed(), 250).unref();
    }
  }

  /**
   * Each followed resource against its head in Redis: another epoch, or a head behind the position this node
   * has seen, is data loss. Also run every `lossCheckMs` while connected, for a loss without a reconnect
   * (FLUSHALL, eviction): a new log whose head has not passed this node's position shows no entry to it.
   */
  async function checkFollowed(): Promise<void> {
    const followed = [...streams.streams.values()];
    const heads = await readHeads(followed.map((stream) => keys(stream.path).head));
    followed.forEach((stream, i) => {
      if (streams.streams.get(stream.path) !== stream) return; // released or reset meanwhile
      const [epoch, seq] = heads[i];
      if (epoch !== stream.epoch) dataLost(stream.path, 'its log in Redis is not the one this node loaded');
      else if (Number(seq ?? 0) < stream.lastSeq) {
        dataLost(stream.path, `its log in Redis ends at ${seq ?? 0}, before ${stream.lastSeq} seen here`);
      }
    });
  }

  /** [epoch, seq] of each head: one script per batch on one Redis, one HMGET per key on a cluster (slots). */
  async function readHeads(headKeys: string[]): Promise<(string | null)[][]> {
    if (command instanceof Cluster) {
      return Promise.all(
        headKeys.map((key) => command.call('HMGET', key, 'epoch', 'seq') as Promise<(string | null)[]>),
      );
    }
    const out: (string | null)[][] = [];
    for (let i = 0; i < headKeys.length; i += HEADS_PER_CHECK) {
      const batch = headKeys.slice(i, i + HEADS_PER_CHECK);
      const reply = (await runScript(command, HEADS_SCRIPT, batch, [])) as (string | false | null)[][];
      for (const [epoch, seq] of reply) out.push([epoch || null, seq || null]);
    }
    return out;
  }

  const checkTimer = setInterval(() => {
    if (!isAvailable() || streams.streams.size === 0) return;
    checkFollowed().catch((error) => onError(error, 'checking the followed resources'));
  }, options.lossCheckMs ?? 5_000);
  checkTimer.unref();

  /** Redis no longer has what this node holds for `path`: stop following and make the resource drop its copy. */
  function dataLost(path: string, reason: string): void {
    const stream = streams.streams.get(path);
    streams.remove(path);
    epochOf.delete(path);
    loadedSeq.delete(path);
    onError(new SharedLogDataLossError(`Redis lost data of ${JSON.stringify(path)}: ${reason}`), 'data loss');
    if (!stream) return;
    try {
      stream.handlers.onReset(reason);
    } catch (error) {
      onError(error, `onReset of ${path}`);
    }
  }

  function dataLossError(path: string): SharedLogDataLossError {
    return new SharedLogDataLossError(
      `Redis lost data of ${JSON.stringify(path)} that this node held (restarted without persistence, or failed over to a lagging replica); this node dropped its copy and nothing was applied`,
    );
  }

  function unavailable(error: unknown): Error {
    if (closed) return new Error('redisStore is closed');
    if (isRedisReplyError(error) && !isTransientReply(error)) return error as Error;
    return new SharedLogUnavailableError(
      `Redis is unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  async function whenConnected(): Promise<void> {
    if (isAvailable()) return;
    const deadline = Date.now() + connectTimeoutMs;
    while (!isAvailable()) {
      if (closed) throw new Error('redisStore is closed');
      if (Date.now() > deadline) throw new SharedLogUnavailableError('Redis is unreachable (not connected)');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const shared: SharedLog = {
    get available() {
      return isAvailable();
    },

    async appendAt(path, baseSeq, record, digest) {
      if (closed) throw new Error('redisStore is closed');
      const k = keys(path);
      let reply: unknown[];
      try {
        reply = (await runScript(
          command,
          APPEND_SCRIPT,
          reader ? [k.log, k.head, k.known, k.digests] : [k.log, k.head, k.known, k.digests, k.bus],
          [
            baseSeq,
            record.version,
            digest,
            JSON.stringify(record),
            maxKnown,
            MAX_MISSED_PER_REPLY,
            epochOf.get(path) ?? '',
          ],
        )) as unknown[];
      } catch (error) {
        throw unavailable(error);
      }
      if (reply[0] === 'lost') {
        dataLost(path, 'an append found another incarnation of its log');
        throw dataLossError(path);
      }
      if (reply[0] === 'taken') throw new VersionTakenError(record.version, String(reply[1]));
      if (reply[0] === 'moved') {
        // (The follow still delivers them: a caller that gives up on the write does not take them in, and a
        // position skipped here would reach the resource as a gap — a reload that cuts its subscriptions.)
        throw new HeadMovedError(parseEntries(reply[1] as StreamEntry[]));
      }
      const seq = Number(reply[1]);
      logBytes.set(path, Number(reply[2]));
      advance(path, seq, seq - 1);
      if (replicas > 0) await waitForReplicas(k.log);
      return { seq };
    },

    async snapshot(path, base) {
      const k = keys(path);
      let stored: unknown;
      try {
        stored = await runScript(
          command,
          SNAPSHOT_SCRIPT,
          [k.log, k.head, k.snapshot],
          [base.seq, JSON.stringify({ version: base.version, value: base.value }), epochOf.get(path) ?? ''],
        );
      } catch (error) {
        throw unavailable(error);
      }
      if (Number(stored) === -1) {
        dataLost(path, 'a snapshot found another incarnation of its log');
        throw dataLossError(path);
      }
      logBytes.set(path, 0);
    },

    follow(path, handlers: FollowHandlers) {
      const lastSeq = loadedSeq.get(path) ?? 0;
      loadedSeq.delete(path);
      const k = keys(path);
      const epoch = epochOf.get(path);
      const stream: FollowedStream = {
        path,
        key: k.log,
        channel: k.bus,
        epoch: epoch ?? '',
        lastSeq,
        handlers,
      };
      if (epoch === undefined) {
        // Reset between its load and this follow: tell it now rather than follow a log it did not load.
        queueMicrotask(() => handlers.onReset('its log in Redis changed while it loaded'));
        return () => {};
      }
      streams.add(stream);
      return () => {
        streams.remove(path);
        keysOf.delete(path);
        logBytes.delete(path);
      };
    },
  };

  /** The reader need not deliver what this node already has (it skips positions up to lastSeq). */
  function advance(path: string, seq: number | undefined, ifAt: number): void {
    const stream = streams.streams.get(path);
    if (stream && seq !== undefined && stream.lastSeq >= ifAt && seq > stream.lastSeq) stream.lastSeq = seq;
  }

  /** WAIT runs on the primary that took the append: on a cluster, the one owning the key's slot. */
  function primaryOf(key: string): Redis {
    if (!(command instanceof Cluster)) return command;
    const owner = command.slots[hashSlot(key)]?.[0];
    const node = command.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
    if (!node) throw new SharedLogUnavailableError(`no Redis Cluster primary owns the slot of ${key}`);
    return node;
  }

  async function waitForReplicas(key: string): Promise<void> {
    let acked: unknown;
    try {
      acked = await primaryOf(key).call('WAIT', replicas, commandTimeoutMs);
    } catch (error) {
      throw unavailable(error);
    }
    if (Number(acked) < replicas) {
      throw new SharedLogUnavailableError(
        `only ${acked} of ${replicas} replicas confirmed the write within ${commandTimeoutMs} ms`,
      );
    }
  }

  return {
    shared,

    stats() {
      return { followedStreams: streams.streams.size, available: isAvailable() };
    },

    async load(path): Promise<StoredResource | undefined> {
      await whenConnected();
      const k = keys(path);
      let reply: [number, string, number, number, StreamEntry[], string];
      try {
        reply = (await runScript(
          command,
          LOAD_SCRIPT,
          [k.log, k.head, k.snapshot],
          [randomUUID()],
        )) as typeof reply;
      } catch (error) {
        throw unavailable(error);
      }
      const [snapshotSeq, baseJson, headSeq, bytes, entries, epoch] = reply;
      epochOf.set(path, String(epoch));
      const versions = parseEntries(entries);
      const lastSeq = versions.length ? versions[versions.length - 1].seq : Number(snapshotSeq);
      if (lastSeq !== Number(headSeq) || versions.some((v, i) => v.seq !== Number(snapshotSeq) + i + 1)) {
        throw new Error(
          `the Redis log of ${JSON.stringify(path)} has a gap (head ${headSeq}, read ${lastSeq})`,
        );
      }
      logBytes.set(path, Number(bytes));
      const stream = streams.streams.get(path);
      if (stream) stream.lastSeq = lastSeq;
      else loadedSeq.set(path, lastSeq);
      if (!baseJson && versions.length === 0) return undefined;
      const records = versions.map((v) => v.record);
      if (!baseJson) return { records };
      const base: unknown = JSON.parse(baseJson);
      if (!isBase(base)) throw new Error(`the Redis snapshot of ${JSON.stringify(path)} is malformed`);
      return { base: { version: base.version, value: base.value, seq: Number(snapshotSeq) }, records };
    },

    async append(path: string, _record: VersionRecord): Promise<void> {
      throw new Error(
        `redisStore.append(${JSON.stringify(path)}): a shared log appends at a position; use it through createBraidServer`,
      );
    },

    logSize(path) {
      return logBytes.get(path) ?? 0;
    },

    /** The resource left this node's memory: stop reading its stream (loaded again on next use). */
    release(path) {
      streams.remove(path);
      epochOf.delete(path);
      keysOf.delete(path);
      logBytes.delete(path);
      loadedSeq.delete(path);
    },

    async compact(path, state) {
      if (state.base?.seq === undefined) throw new Error('redisStore.compact needs the base position (seq)');
      await shared.snapshot(path, {
        seq: state.base.seq,
        version: state.base.version,
        value: state.base.value,
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(checkTimer);
      streams.stop();
      reader?.disconnect();
      await command.quit().catch(() => command.disconnect());
      await streams.done;
    },
  };
}

function isRedisReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Replies that mean "not now" rather than "wrong": Redis loading its AOF, a failover, a busy script, OOM. */
function isTransientReply(error: unknown): boolean {
  return /^(LOADING|READONLY|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|NOREPLICAS)/.test(
    (error as Error).message,
  );
}
