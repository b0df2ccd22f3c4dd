import { BraidError, backoffDelay, type FetchLike } from '../client/index';
import { createUpdateParser, type Update } from '../protocol/index';

export interface PresenceClientOptions {
  fetch?: FetchLike;
  /** This client's id: whose entry its writes set (the `Peer` header). Default: random. */
  peer?: string;
  headers?: Record<string, string>;
  /** How often the entry is sent again so that it does not expire on the server. Default 10 000 ms. */
  refreshMs?: number;
}

const decoder = new TextDecoder();

/**
 * Ephemeral presence (a `braid.presence` path): one JSON entry per peer — who is here, where their caret is.
 * `set(entry)` publishes this peer's entry (the latest wins; one PUT in flight, refreshed while open),
 * `peers` holds everybody's entries as the subscription reports them, `close()` leaves (DELETE).
 */
export class TextPresence<Entry extends object = Record<string, unknown>> {
  readonly url: string;
  readonly peer: string;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private readonly errorListeners = new Set<(error: BraidError) => void>();
  private readonly fetchFn: FetchLike;
  private mine: Entry | undefined;
  private sending = false;
  private dirty = false;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  private controller: AbortController | undefined;
  private closed = false;
  private live = false;

  constructor(
    url: string,
    private readonly options: PresenceClientOptions = {},
  ) {
    this.url = url;
    this.peer = options.peer ?? Math.random().toString(36).slice(2, 12);
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.refreshTimer = setInterval(() => {
      if (this.mine) this.set(this.mine);
    }, options.refreshMs ?? 10_000);
    void this.connect();
  }

  /** Everybody's entries (this peer's too, once the server has it), by peer id. */
  get peers(): ReadonlyMap<string, Entry> {
    return this.entries;
  }

  /** Whether the subscription is open (entries are current). */
  get isLive(): boolean {
    return this.live;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Hears refused writes (413 entry too large, 409 too many people here…) and subscription failures. */
  onError(listener: (error: BraidError) => void): () => void {
    this.errorListeners.add(listener);
    return () => {
      this.errorListeners.delete(listener);
    };
  }

  /** Publishes this peer's entry. Calls while a PUT is in flight collapse into one PUT of the latest. */
  set(entry: Entry): void {
    if (this.closed) return;
    this.mine = entry;
    this.dirty = true;
    if (!this.sending) void this.send();
  }

  /** Leaves: the entry is removed for everybody and the subscription ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    this.controller?.abort();
    this.listeners.clear();
    this.fetchFn(this.url, { method: 'DELETE', headers: this.writeHeaders(), keepalive: true }).then(
      (response) => response.arrayBuffer(),
      () => {}, // the entry expires on the server anyway
    );
  }

  private writeHeaders(): Record<string, string> {
    return { ...this.options.headers, Peer: this.peer };
  }

  private async send(): Promise<void> {
    this.sending = true;
    let attempt = 0;
    while (this.dirty && !this.closed) {
      this.dirty = false;
      const body = JSON.stringify(this.mine);
      try {
        const response = await this.fetchFn(this.url, {
          method: 'PUT',
          headers: { ...this.writeHeaders(), 'Content-Type': 'application/json' },
          body,
        });
        const reason = (await response.text().catch(() => '')).trim();
        if (!response.ok) {
          const error = new BraidError(
            response.status >= 500 ? 'network' : 'rejected',
            this.url,
            `presence PUT: ${response.status} ${reason}`,
            { status: response.status },
          );
          for (const listener of this.errorListeners) listener(error);
          if (response.status < 500 && response.status !== 429) continue; // refused: only a new entry helps
          this.dirty = true;
          await sleep(backoffDelay(attempt++));
        } else attempt = 0;
      } catch {
        if (this.closed) break;
        this.dirty = true;
        await sleep(backoffDelay(attempt++));
      }
    }
    this.sending = false;
  }

  private async connect(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const controller = new AbortController();
      this.controller = controller;
      try {
        const response = await this.fetchFn(this.url, {
          headers: { ...this.options.headers, Subscribe: 'true', Peer: this.peer, Heartbeats: '20' },
          signal: controller.signal,
        });
        if (response.status !== 209 && response.status !== 200) {
          const reason = (await response.text().catch(() => '')).trim();
          const error = new BraidError('http', this.url, `presence: ${response.status} ${reason}`, {
            status: response.status,
          });
          for (const listener of this.errorListeners) listener(error);
          if (response.status >= 400 && response.status < 500 && response.status !== 429) return;
        } else {
          failures = 0;
          await this.read(response);
        }
      } catch {
        // aborted, or the connection dropped: reconnect below
      }
      if (this.closed) return;
      this.live = false;
      // Our entry went with the subscription on the server: send it again with the new one.
      if (this.mine) this.set(this.mine);
      await sleep(backoffDelay(failures++));
    }
  }

  private async read(response: Response): Promise<void> {
    const parser = createUpdateParser((update) => this.receive(update));
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.push(value);
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  private receive(update: Update): void {
    if (update.body !== undefined) {
      // The snapshot of a (re)opened subscription: everybody present now.
      this.entries.clear();
      const snapshot = JSON.parse(decoder.decode(update.body)) as Record<string, Entry>;
      for (const [peer, entry] of Object.entries(snapshot)) this.entries.set(peer, entry);
      this.live = true;
    } else {
      for (const patch of update.patches ?? []) {
        const peer = JSON.parse(patch.range) as [string];
        if (!Array.isArray(peer) || typeof peer[0] !== 'string') continue;
        if (patch.content.length === 0) this.entries.delete(peer[0]);
        else this.entries.set(peer[0], JSON.parse(decoder.decode(patch.content)) as Entry);
      }
    }
    for (const listener of this.listeners) listener();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
