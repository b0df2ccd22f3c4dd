import { forgetOldest } from '../../protocol/forgetOldest';
import { createMultiplexParser, MULTIPLEX_VERSION, MULTIPLEXER_PATH } from '../../protocol/multiplexFrames';
import type { FetchLike } from '../types';
import type { ConnectionSlot } from './connectionSlots';
import { MultiplexedResponse } from './MultiplexedResponse';
import { randomId } from './randomId';

/** Close an idle multiplexer stream after this long without requests (it holds a connection). */
const IDLE_MS = 20_000;
/** After a server refused multiplexing, try again only after this long. */
const UNSUPPORTED_RETRY_MS = 60_000;

/**
 * Multiplexing v1.0 to one origin: one long-lived `POST /.well-known/multiplexer/<id>` stream carries the
 * responses of many requests, each sent with `Multiplex-Through` and answered `293`. Browsers allow 6 HTTP/1.1
 * connections per origin; this lets any number of subscriptions share one. Against a server without
 * multiplexing it falls back to plain requests.
 */
export interface MultiplexerOptions {
  /** Short requests (the multiplexed requests themselves, their cancellations). */
  fetch: FetchLike;
  /** A plain long-lived request, for when the server does not multiplex. */
  fallbackFetch: FetchLike;
  headers?: Record<string, string>;
  /** Waits for a long-lived connection slot (the stream holds one for its life). */
  acquireSlot: (signal: AbortSignal) => Promise<ConnectionSlot>;
  /** Told whenever the server answered whether it multiplexes (not on network failures). */
  onSupport?: (supported: boolean) => void;
}

export class Multiplexer {
  private id?: string;
  private slot?: ConnectionSlot;
  private opening?: Promise<boolean>;
  private streamAbort?: AbortController;
  private responses = new Map<string, MultiplexedResponse>();
  private unsupportedUntil = 0;
  private idleTimer?: ReturnType<typeof setTimeout>;
  /** Request ids we asked the server to stop (bounded): frames still arriving for them are expected. */
  private orphansStopped = new Set<string>();
  /** Request ids we cancelled ourselves (bounded), so their last bytes in flight send no second DELETE. */
  private cancelled = new Set<string>();

  private readonly plainFetch: FetchLike;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly origin: string,
    private readonly options: MultiplexerOptions,
  ) {
    this.plainFetch = options.fetch;
    this.headers = options.headers ?? {};
  }

  /** Whether requests currently go through a multiplexer stream. */
  get active(): boolean {
    return this.id !== undefined;
  }

  /** A fetch whose response arrives through the multiplexer (or plainly, when the server cannot). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    clearTimeout(this.idleTimer);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!(await this.open()) || !this.id) return this.options.fallbackFetch(url, init);
      // Aborted while the stream was opening: send nothing (the server would hold a response nobody reads).
      if (init.signal?.aborted) throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
      const muxId = this.id;
      const requestId = randomId();
      const entry = new MultiplexedResponse(requestId);
      this.responses.set(requestId, entry);
      const through = `${MULTIPLEXER_PATH}${muxId}/${requestId}`;
      const headers = new Headers(init.headers);
      headers.set('Multiplex-Through', through);
      headers.set('Multiplex-Version', MULTIPLEX_VERSION);
      const onAbort = () => this.cancel(muxId, requestId, init.signal?.reason);
      init.signal?.addEventListener('abort', onAbort, { once: true });
      let answer: Response;
      try {
        answer = await this.plainFetch(url, { ...init, headers });
      } catch (error) {
        init.signal?.removeEventListener('abort', onAbort);
        // Aborted in flight: the server may already hold the response, so tell it to stop (DELETE).
        if (init.signal?.aborted) this.cancel(muxId, requestId, init.signal.reason);
        else this.forget(requestId, error);
        throw error;
      }
      if (answer.status === 293) {
        void answer.arrayBuffer().catch(() => {}); // read the short 'Ok.' so the connection can be reused
        const response = await entry.response;
        return response;
      }
      this.forget(requestId);
      init.signal?.removeEventListener('abort', onAbort);
      if (answer.status === 424) {
        // The multiplexer is gone (server restarted): open a new one and retry.
        this.reset(new Error('multiplexer gone'));
        continue;
      }
      if (answer.status === 409) continue; // request id taken: retry with another
      return answer; // answered directly (e.g. the server does not multiplex this request)
    }
    return this.options.fallbackFetch(url, init);
  }

  /** Ends the multiplexer stream and every response on it. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.reset(new Error('multiplexer closed'));
  }

  /** Opens the stream if needed; resolves with whether requests can go through it. */
  open(): Promise<boolean> {
    if (this.id) return Promise.resolve(true);
    if (Date.now() < this.unsupportedUntil) return Promise.resolve(false);
    this.opening ??= this.create().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async create(): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = randomId();
      const abort = new AbortController();
      this.streamAbort = abort; // close() meanwhile aborts the slot wait and the request
      let slot: ConnectionSlot;
      try {
        slot = await this.options.acquireSlot(abort.signal);
      } catch {
        return false;
      }
      let response: Response;
      try {
        response = await this.plainFetch(`${this.origin}${MULTIPLEXER_PATH}${id}`, {
          method: 'POST',
          headers: { ...this.headers, 'Multiplex-Version': MULTIPLEX_VERSION },
          signal: abort.signal,
          cache: 'no-store',
        });
      } catch {
        slot.release();
        return false; // the network, not the server's choice: plain requests will report it
      }
      if (response.status === 409) {
        slot.release();
        continue; // id taken
      }
      if (!response.ok || response.headers.get('multiplex-version') !== MULTIPLEX_VERSION || !response.body) {
        void response.body?.cancel().catch(() => {});
        slot.release();
        this.unsupportedUntil = Date.now() + UNSUPPORTED_RETRY_MS;
        this.options.onSupport?.(false);
        return false;
      }
      if (abort.signal.aborted) {
        void response.body.cancel().catch(() => {});
        slot.release();
        return false;
      }
      this.options.onSupport?.(true);
      this.id = id;
      this.slot = slot;
      void this.read(id, response.body);
      return true;
    }
    return false;
  }

  private async read(id: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createMultiplexParser({
      // A response that starts after we cancelled it: our DELETE overtook its request. Stop it (again).
      start: (requestId) => {
        if (this.responses.has(requestId)) return;
        if (this.cancelled.delete(requestId)) this.orphansStopped.delete(requestId);
        this.stopOrphan(id, requestId);
      },
      data: (requestId, bytes) => {
        const entry = this.responses.get(requestId);
        if (entry) entry.data(bytes);
        // Bytes still on their way for one we cancelled are expected; for one we never knew, stop it.
        else if (!this.cancelled.has(requestId)) this.stopOrphan(id, requestId);
      },
      close: (requestId) => {
        this.responses.get(requestId)?.close();
        this.responses.delete(requestId);
        this.scheduleIdleClose();
      },
    });
    const reader = body.getReader();
    let failure: unknown = new Error('multiplexer stream ended');
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (error) {
      failure = error;
    }
    if (this.id === id) this.reset(failure);
  }

  private reset(error: unknown): void {
    this.id = undefined;
    this.streamAbort?.abort();
    this.streamAbort = undefined;
    this.slot?.release();
    this.slot = undefined;
    const entries = [...this.responses.values()];
    this.responses.clear();
    for (const entry of entries) entry.fail(error);
  }

  private forget(requestId: string, error?: unknown): void {
    this.responses.get(requestId)?.fail(error ?? new Error('not multiplexed'));
    this.responses.delete(requestId);
    this.scheduleIdleClose();
  }

  /** Aborted by the caller: end it locally, and tell the server to stop sending it. */
  private cancel(muxId: string, requestId: string, reason: unknown): void {
    const entry = this.responses.get(requestId);
    if (!entry) return;
    this.forget(requestId, reason ?? new DOMException('aborted', 'AbortError'));
    if (this.id !== muxId) return;
    this.cancelled.add(requestId);
    forgetOldest(this.cancelled, 256);
    this.sendCancel(muxId, requestId);
  }

  /**
   * A response the server carries for a request we no longer know (we gave up on it while it was in flight,
   * and our DELETE reached the server before the request did): tell the server to stop it, once.
   */
  private stopOrphan(muxId: string, requestId: string): void {
    if (this.orphansStopped.has(requestId)) return;
    this.orphansStopped.add(requestId);
    forgetOldest(this.orphansStopped, 256);
    this.sendCancel(muxId, requestId);
  }

  private sendCancel(muxId: string, requestId: string): void {
    void this.plainFetch(`${this.origin}${MULTIPLEXER_PATH}${muxId}/${requestId}`, {
      method: 'DELETE',
      headers: { ...this.headers, 'Multiplex-Version': MULTIPLEX_VERSION },
    })
      .then((r) => r.body?.cancel())
      .catch(() => {});
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    if (this.responses.size > 0 || !this.id) return;
    this.idleTimer = setTimeout(() => {
      if (this.responses.size === 0) this.reset(new Error('idle'));
    }, IDLE_MS);
    (this.idleTimer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
  }
}
