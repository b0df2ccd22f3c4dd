import type { Redis } from 'ioredis';
import type { FollowHandlers, SeqRecord } from '../../cluster/sharedLog';
import { parseEntries, type StreamEntry } from './entries';
import { entryId } from './keys';

/** One followed stream: where this node is in it, and who gets what comes next. */
export interface FollowedStream {
  readonly path: string;
  readonly key: string;
  /** Its shard channel (Redis Cluster only: see clusterFollowers.ts). */
  readonly channel: string;
  /** The incarnation of the log this node loaded (see LOAD_SCRIPT): entries of another one mean data loss. */
  readonly epoch: string;
  /** The last position loaded, appended or delivered: the next read starts after it. */
  lastSeq: number;
  handlers: FollowHandlers;
}

/** How long one XREAD blocks in Redis before it is re-issued (then again with the current set of streams). */
const BLOCK_MS = 5_000;
/** Entries per XREAD reply, across all its streams (bounds one reply's memory). */
const READ_COUNT = 1_000;

/**
 * The fan-out across nodes: one dedicated connection per node runs a loop of blocking `XREAD` over every stream
 * this node follows (one command for all of them), from the last position seen in each, and hands every entry,
 * in order, to the stream's handlers. After a reconnect the loop simply reads again from the same positions: the
 * entries missed meanwhile come first, none twice (entry ids are positions, so "after lastSeq" is exact).
 *
 * When the set of streams changes while XREAD is blocked, `CLIENT UNBLOCK` (sent on the command connection)
 * makes it return at once so the next read includes the new stream. A new stream never misses entries either
 * way: it is read from the position its resource was loaded at.
 */
/** What redisStore needs of whatever follows its streams: one blocking reader, or one per cluster node. */
export interface StreamFollowers {
  readonly streams: Map<string, FollowedStream>;
  /** Every connection it reads on is up. */
  readonly ready: boolean;
  add(stream: FollowedStream): void;
  remove(path: string): void;
  stop(): void;
  /** Settles once stopped and every read in flight ended. */
  readonly done: Promise<void>;
}

/** The versions of `entries` after `stream.lastSeq`, handed to its handlers (each position delivered once). */
export function deliverEntries(
  stream: FollowedStream,
  entries: StreamEntry[],
  onError: (error: unknown, context: string) => void,
  onDataLoss: (stream: FollowedStream, reason: string) => void,
): void {
  const foreign = entries.find(([, fields]) => {
    const at = fields.indexOf('e');
    return at !== -1 && fields[at + 1] !== stream.epoch;
  });
  if (foreign) {
    onDataLoss(stream, `entry ${foreign[0]} belongs to another incarnation of the log`);
    return;
  }
  let versions: SeqRecord[];
  try {
    versions = parseEntries(entries);
  } catch (error) {
    onError(error, `reading ${stream.key}`);
    return;
  }
  const fresh = versions.filter((v) => v.seq > stream.lastSeq);
  if (fresh.length === 0) return;
  stream.lastSeq = fresh[fresh.length - 1].seq;
  try {
    stream.handlers.onVersions(fresh);
  } catch (error) {
    onError(error, `delivering ${stream.key}`);
  }
}

export class StreamReader implements StreamFollowers {
  readonly streams = new Map<string, FollowedStream>();
  private readonly byKey = new Map<string, FollowedStream>();
  private readerId: number | undefined;
  private blocked = false;
  private streamsChanged = false;
  private wake: (() => void) | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly reader: Redis,
    private readonly command: Redis,
    private readonly onError: (error: unknown, context: string) => void,
    private readonly onDataLoss: (stream: FollowedStream, reason: string) => void,
  ) {
    reader.on('ready', () => {
      this.readerId = undefined;
      reader.call('CLIENT', 'ID').then(
        (id) => {
          this.readerId = Number(id);
        },
        () => {},
      );
      this.wake?.();
    });
    this.done = this.loop();
  }

  get ready(): boolean {
    return this.reader.status === 'ready';
  }

  add(stream: FollowedStream): void {
    this.streams.set(stream.path, stream);
    this.byKey.set(stream.key, stream);
    this.restartRead();
  }

  remove(path: string): void {
    const stream = this.streams.get(path);
    if (!stream) return;
    this.streams.delete(path);
    this.byKey.delete(stream.key);
    // (No unblock: the current read may still name it; its entries are simply ignored.)
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.streams.size === 0 || this.reader.status !== 'ready') {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          // Re-check now and then: a reconnect or a new stream wakes us earlier.
          setTimeout(resolve, 1_000).unref();
        });
        this.wake = undefined;
        continue;
      }
      const streams = [...this.streams.values()];
      this.streamsChanged = false;
      const args: (string | number)[] = ['COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS'];
      for (const s of streams) args.push(s.key);
      for (const s of streams) args.push(entryId(s.lastSeq));
      let reply: unknown;
      this.blocked = true;
      try {
        reply = await this.reader.call('XREAD', ...args);
      } catch (error) {
        if (this.stopped) return;
        // A timeout means a connection that looks open but answers nothing: drop it, so that 'close' tells the
        // followers and the reconnect reads again from where we are.
        if (this.reader.status === 'ready') {
          this.onError(error, 'XREAD of the followed streams');
          this.reader.disconnect(true);
        }
        continue;
      } finally {
        this.blocked = false;
      }
      if (reply) this.deliver(reply as [string, StreamEntry[]][]);
    }
  }

  private deliver(reply: [string, StreamEntry[]][]): void {
    for (const [key, entries] of reply) {
      const stream = this.byKey.get(key);
      if (stream) deliverEntries(stream, entries, this.onError, this.onDataLoss);
    }
  }

  /** Makes a blocked XREAD return now, so the next one reads the current set of streams. */
  private restartRead(): void {
    this.streamsChanged = true;
    this.wake?.();
    if (!this.blocked || this.readerId === undefined || this.command.status !== 'ready') return;
    this.command.call('CLIENT', 'UNBLOCK', this.readerId).then(
      (unblocked) => {
        // 0: the XREAD was sent but has not reached Redis yet. Try again shortly, until it returned.
        if (unblocked === 0 && this.streamsChanged && this.blocked && !this.stopped)
          setTimeout(() => this.restartRead(), 2).unref();
      },
      () => {},
    );
  }
}
