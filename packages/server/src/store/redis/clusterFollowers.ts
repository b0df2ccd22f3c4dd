import type { Cluster, Redis } from 'ioredis';
import { SharedLogUnavailableError } from '../../cluster/sharedLog';
import type { StreamEntry } from './entries';
import { hashSlot } from './hashSlot';
import { entryId } from './keys';
import { deliverEntries, type FollowedStream, type StreamFollowers } from './streamReader';

/** Entries per XREAD of one stream (more: read again at once). */
const READ_COUNT = 1_000;
/** A read that failed (connection, failover) is tried again after this long while its stream is followed. */
const RETRY_READ_MS = 200;

/**
 * Following streams on Redis Cluster. One blocking XREAD over many streams cannot work there: Redis Cluster
 * refuses any multi-key command whose keys are in different hash slots (CROSSSLOT), even on one node, and a
 * resource's keys share the slot of its `{path}` tag, so resources are spread over slots. Instead:
 *
 * - one subscriber connection per cluster primary that owns a followed resource, on which the node
 *   `SSUBSCRIBE`s each resource's shard channel (the append script `SPUBLISH`es every new position there);
 * - a notification (or a subscription becoming active, or the subscriber reconnecting) makes the node read the
 *   stream after its last position with a plain XREAD through the cluster connection (routed by slot, MOVED
 *   followed by ioredis). Reading after subscribing means nothing is missed between the two; entry ids are
 *   positions, so a read repeated after a reconnect delivers no version twice.
 *
 * A slot that migrates (MOVED on SSUBSCRIBE, or the unsolicited SUNSUBSCRIBE Redis sends) refreshes the slot map
 * and subscribes again on the new owner, then reads.
 */
export class ClusterFollowers implements StreamFollowers {
  readonly streams = new Map<string, FollowedStream>();
  private readonly byChannel = new Map<string, FollowedStream>();
  /** Subscriber connection per primary, by `host:port` (the cluster's node key). */
  private readonly subscribers = new Map<string, Redis>();
  private readonly nodeOf = new Map<string, string>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly readAgain = new Set<string>();
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly connect: (host: string, port: number) => Redis,
    private readonly onError: (error: unknown, context: string) => void,
    private readonly onConnectionChange: () => void,
    private readonly onDataLoss: (stream: FollowedStream, reason: string) => void,
  ) {}

  get ready(): boolean {
    for (const subscriber of this.subscribers.values()) if (subscriber.status !== 'ready') return false;
    return true;
  }

  get done(): Promise<void> {
    return Promise.all([...this.reading.values()]).then(() => {});
  }

  add(stream: FollowedStream): void {
    this.streams.set(stream.path, stream);
    this.byChannel.set(stream.channel, stream);
    this.subscribe(stream);
  }

  remove(path: string): void {
    const stream = this.streams.get(path);
    if (!stream) return;
    this.streams.delete(path);
    this.byChannel.delete(stream.channel);
    const node = this.nodeOf.get(path);
    this.nodeOf.delete(path);
    if (node)
      this.subscribers
        .get(node)
        ?.sunsubscribe(stream.channel)
        .catch(() => {});
  }

  stop(): void {
    this.stopped = true;
    for (const subscriber of this.subscribers.values()) subscriber.disconnect();
  }

  /** Opens the subscriber of every primary now (at startup), so that the first follow finds it connected. */
  connectToPrimaries(): void {
    if (this.stopped) return;
    for (const node of this.cluster.nodes('master'))
      this.subscriberFor(`${node.options.host}:${node.options.port}`);
  }

  private ownerOf(key: string): string {
    const owner = this.cluster.slots[hashSlot(key)]?.[0];
    if (!owner) throw new SharedLogUnavailableError(`no Redis Cluster node owns the slot of ${key}`);
    return owner;
  }

  private subscribe(stream: FollowedStream): void {
    if (this.stopped || this.streams.get(stream.path) !== stream) return;
    let node: string;
    try {
      node = this.ownerOf(stream.key);
    } catch (error) {
      this.onError(error, `following ${stream.key}`);
      setTimeout(() => this.subscribe(stream), RETRY_READ_MS).unref();
      return;
    }
    this.nodeOf.set(stream.path, node);
    this.subscriberFor(node)
      .ssubscribe(stream.channel)
      .then(
        () => this.read(stream.path),
        (error) => {
          if (this.stopped) return;
          this.onError(error, `SSUBSCRIBE ${stream.channel}`);
          // MOVED: the slot map is refreshed ('moved' below); otherwise the node is down: try again shortly.
          setTimeout(() => this.subscribe(stream), RETRY_READ_MS).unref();
        },
      );
  }

  private subscriberFor(node: string): Redis {
    let subscriber = this.subscribers.get(node);
    if (subscriber) return subscriber;
    const colon = node.lastIndexOf(':');
    subscriber = this.connect(node.slice(0, colon), Number(node.slice(colon + 1)));
    this.subscribers.set(node, subscriber);
    const connection = subscriber;
    connection.on('smessage', (channel: string) => {
      const stream = this.byChannel.get(channel);
      if (stream) this.read(stream.path);
    });
    connection.on('ready', () => {
      // ioredis re-sends the SSUBSCRIBEs before 'ready'; a PING after them answers once they are active, and
      // only then is it safe to read what was appended during the outage.
      connection.ping().then(
        () => {
          for (const [path, at] of this.nodeOf) if (at === node) this.read(path);
        },
        () => {},
      );
      this.onConnectionChange();
    });
    connection.on('close', this.onConnectionChange);
    connection.on('end', this.onConnectionChange);
    connection.on('error', (error) => this.onError(error, `shard subscriber ${node}`));
    connection.on('moved', () => this.reroute(node));
    return connection;
  }

  /** The slots of `node` moved: ask the cluster for the new map, then subscribe each of its streams again. */
  private reroute(node: string): void {
    this.cluster.refreshSlotsCache(() => {
      for (const [path, at] of [...this.nodeOf]) {
        const stream = this.streams.get(path);
        if (at !== node || !stream) continue;
        let owner: string | undefined;
        try {
          owner = this.ownerOf(stream.key);
        } catch {}
        if (owner === node) continue;
        this.subscribers
          .get(node)
          ?.sunsubscribe(stream.channel)
          .catch(() => {});
        this.subscribe(stream);
      }
    });
  }

  /** Reads the stream after its last position (one read at a time per stream; a request meanwhile reads again). */
  private read(path: string): void {
    if (this.reading.has(path)) {
      this.readAgain.add(path);
      return;
    }
    const running = this.readUntilCaughtUp(path).finally(() => {
      this.reading.delete(path);
      if (this.readAgain.delete(path)) this.read(path);
    });
    this.reading.set(path, running);
  }

  private async readUntilCaughtUp(path: string): Promise<void> {
    for (;;) {
      const stream = this.streams.get(path);
      if (!stream || this.stopped) return;
      let reply: [string, StreamEntry[]][] | null;
      try {
        reply = (await this.cluster.call(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'STREAMS',
          stream.key,
          entryId(stream.lastSeq),
        )) as [string, StreamEntry[]][] | null;
      } catch (error) {
        if (this.stopped) return;
        this.onError(error, `XREAD ${stream.key}`);
        setTimeout(() => this.read(path), RETRY_READ_MS).unref();
        return;
      }
      if (this.streams.get(path) !== stream) return;
      const entries = reply?.[0]?.[1] ?? [];
      deliverEntries(stream, entries, this.onError, this.onDataLoss);
      if (entries.length < READ_COUNT) return;
    }
  }
}
