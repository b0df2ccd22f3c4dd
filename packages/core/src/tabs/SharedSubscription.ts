import { readSubscription } from '../client/readSubscription';
import type { FetchLike } from '../client/types';
import { applyJsonPatches, type JsonPatch, parseJsonContent, type Update } from '../protocol/index';
import { frameUpdate } from './frame';
import { reason } from './messages';

/** How long an upstream nobody reads any more stays open (a tab that reconnects at once finds it). */
const LINGER_MS = 2000;
/** How long a new reader waits for the echo of a write the server acknowledged before it gets a snapshot. */
const ECHO_WAIT_MS = 3000;
/** Versions seen on the stream, kept to tell an acknowledgement that came after its echo. */
const SEEN_KEPT = 64;
/** Largest refusal body relayed to the readers (a 404's reason, say). */
const MAX_REFUSAL_BYTES = 64 * 1024;
/** Updates queued for a reader that does not read (a tab stuck or gone) before it is cut off. */
const MAX_QUEUED = 10_000;
const HEARTBEAT = new Uint8Array([13, 10]);

type Refusal = {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
};

/**
 * At the leader tab: ONE subscription to a JSON resource for every tab that wants it. It keeps the resource's
 * current version and value, so each reader gets its own Braid update stream: first a snapshot of the current
 * version, then every update as it arrives (the server's bytes, re-framed), and a heartbeat whenever the server
 * sent one. When the server's stream ends or fails, every reader's stream fails like a dropped connection (each
 * ClientResource reconnects, through whichever tab leads then); the next reader opens a new one. A refusal
 * (404, 401...) is answered to every reader that waited for it, and the next one asks the server again.
 */
export class SharedSubscription {
  private state?: { version: string[]; value: unknown; snapshot?: Uint8Array };
  private readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private readonly upstream = new AbortController();
  private readonly ready: Promise<Refusal | undefined>;
  private settle!: (outcome: Refusal | undefined) => void;
  private failReady!: (error: unknown) => void;
  private heartbeats: string | null = null;
  private acked = new Set<string>();
  private seen: string[] = [];
  private echoWaiters: (() => void)[] = [];
  private linger?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    readonly url: string,
    headers: Record<string, string>,
    open: FetchLike,
    /** This subscription is over (closed, failed or refused): the hub forgets it. */
    private readonly ended: (self: SharedSubscription) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => {});
    void this.run(open, headers);
  }

  /** A reader's subscription: its own stream from the current version on (or the refusal, as the server said it). */
  async serve(signal?: AbortSignal | null): Promise<Response> {
    this.keep();
    const refusal = await this.ready;
    if (refusal) return new Response(refusal.body, refusal);
    if (this.acked.size) await this.echoes();
    // The server acknowledged a write the stream never showed: it is stuck. A reader that asks for a snapshot
    // (a ClientResource settling an acknowledged write) must not get one without that write: start over.
    if (this.acked.size) throw this.fail('the subscription did not show an acknowledged write');
    signal?.throwIfAborted();
    if (this.closed) throw new TypeError('the shared subscription ended');
    const state = this.state!;
    state.snapshot ??= frameUpdate({
      version: state.version,
      parents: [],
      headers: {},
      body: new TextEncoder().encode(JSON.stringify(state.value)),
    });
    const snapshot = state.snapshot;
    let reader!: ReadableStreamDefaultController<Uint8Array>;
    const leave = () => {
      this.readers.delete(reader);
      this.release();
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        reader = controller;
        controller.enqueue(snapshot);
      },
      cancel: leave,
    });
    this.readers.add(reader);
    signal?.addEventListener(
      'abort',
      () => {
        if (!this.readers.has(reader)) return;
        leave();
        reader.error(signal.reason ?? new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.heartbeats) headers.heartbeats = this.heartbeats;
    return new Response(body, { status: 209, headers });
  }

  /** The server answered a PUT of `version` 2xx: until the stream shows it, a new reader waits for it. */
  acknowledged(version: string): void {
    if (!this.seen.includes(version)) this.acked.add(version);
  }

  /** Ends it for every reader (the tab stops leading, the client closes). */
  close(reason = 'the leader tab stopped leading'): void {
    this.fail(reason);
  }

  private async run(open: FetchLike, headers: Record<string, string>): Promise<void> {
    try {
      const response = await open(this.url, { headers, signal: this.upstream.signal, cache: 'no-store' });
      if (response.status !== 209) return this.refused(response);
      this.heartbeats = response.headers.get('heartbeats');
      await this.read(response);
      this.fail('the subscription ended');
    } catch (error) {
      this.fail(reason(error));
    }
  }

  private async refused(response: Response): Promise<void> {
    const bytes = new Uint8Array(await response.arrayBuffer());
    this.settle({
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers].filter(([name]) => name !== 'content-length'),
      body: bytes.subarray(0, MAX_REFUSAL_BYTES),
    });
    this.finish();
  }

  /** Reads the server's stream: every update goes to the state and to the readers; silence past heartbeats kills it. */
  private read(response: Response): Promise<void> {
    let first = true;
    let updates = 0;
    return readSubscription(
      response,
      (update) => {
        updates++;
        this.receive(update, first);
        first = false;
      },
      () => this.upstream.abort(),
      undefined,
      (parser) => {
        // Bytes without an update (a heartbeat, or part of one): the readers hear that the server is there.
        if (updates === 0 && parser.betweenUpdates()) this.send(HEARTBEAT);
        updates = 0;
      },
    );
  }

  private receive(update: Update, first: boolean): void {
    const state = this.state;
    let value: unknown;
    if (update.body) value = parseJsonContent(update.body, 512);
    else if (!state) throw new TypeError('a patch arrived before any snapshot');
    else {
      const patches: JsonPatch[] = (update.patches ?? []).map((p) => {
        if (p.unit !== 'json') throw new TypeError(`unsupported range unit ${p.unit}`);
        const content = parseJsonContent(p.content, 512);
        return content === undefined ? { range: p.range } : { range: p.range, content };
      });
      value = applyJsonPatches(state.value, patches);
    }
    this.state = { version: update.version, value };
    for (const id of update.version) {
      this.seen.push(id);
      if (this.acked.delete(id) && this.acked.size === 0) for (const w of this.echoWaiters.splice(0)) w();
    }
    if (this.seen.length > SEEN_KEPT) this.seen.splice(0, this.seen.length - SEEN_KEPT);
    if (first)
      this.settle(undefined); // the snapshot: readers start from it
    else this.send(frameUpdate(update));
  }

  /** To every reader; one that stopped reading (its queue past MAX_QUEUED updates) is cut off, not buffered for. */
  private send(bytes: Uint8Array): void {
    for (const r of this.readers) {
      if ((r.desiredSize ?? 0) < -MAX_QUEUED) {
        this.readers.delete(r);
        r.error(new TypeError('the tab did not read its updates'));
      } else r.enqueue(bytes);
    }
  }

  private echoes(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ECHO_WAIT_MS);
      this.echoWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private keep(): void {
    clearTimeout(this.linger);
    this.linger = undefined;
  }

  private release(): void {
    if (this.readers.size > 0 || this.closed) return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      if (this.readers.size === 0) this.fail('nobody reads it');
    }, LINGER_MS);
  }

  private fail(reason: string): TypeError {
    const error = new TypeError(reason);
    if (this.closed) return error;
    this.failReady(error);
    for (const r of this.readers) r.error(error);
    this.readers.clear();
    this.finish();
    return error;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.linger);
    this.upstream.abort();
    this.ended(this);
  }
}
