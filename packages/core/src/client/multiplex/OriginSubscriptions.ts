import { formatVersions } from '../initialCode';
import type { FetchLike } from '../types';
import { acquireSlot, type ConnectionSlot, FREE_SLOT } from './connectionSlots';
import { MovableSubscription } from './MovableSubscription';
import { Multiplexer } from './Multiplexer';
import { rememberedSupport, rememberSupport } from './multiplexSupport';

export type MultiplexMode = boolean | 'auto';

interface EarlySubscription {
  subscription: MovableSubscription;
  url: string;
  init: RequestInit;
}

/**
 * How the subscriptions of one page to one origin travel, so that a tab costs at most one long-lived
 * connection there while the origin multiplexes:
 * - known to multiplex (remembered from an earlier page, or `multiplex: true`): every subscription goes
 *   through the multiplexer stream from the first;
 * - not known yet ('auto'): the first subscription goes plain (an app with one subscription needs no
 *   multiplexer); a second concurrent one probes the multiplexer, and the first moves into it, resumed at
 *   the version it reached;
 * - known not to multiplex, `multiplex: false`, or HTTP/2: plain requests.
 * Every long-lived request holds a connection slot first (see connectionSlots).
 */
export class OriginSubscriptions {
  private mux?: Multiplexer;
  private early = new Set<EarlySubscription>();
  private open = 0;
  private probing?: Promise<boolean | undefined>;

  constructor(
    private readonly origin: string,
    private readonly fetchImpl: FetchLike,
    private readonly headers: Record<string, string>,
    private readonly mode: MultiplexMode,
    /** HTTP/2 or 3: no connection limit to work around. */
    private readonly http2 = pageOriginUsesHttp2(origin),
  ) {}

  /** Opens a subscription (a long-lived GET), by whichever route this origin takes. */
  fetch(url: string, init: RequestInit = {}): Promise<Response> {
    this.open++;
    init.signal?.addEventListener('abort', () => this.open--, { once: true });
    if (this.mode === false || (this.mode === 'auto' && this.http2)) return this.plain(url, init);
    const known = this.mode === true ? true : rememberedSupport(this.origin);
    if (known === true) return this.multiplexer().fetch(url, init);
    if (known === false) return this.plain(url, init);
    if (this.open === 1 && !this.probing) return this.startEarly(url, init);
    return this.probe().then((supported) =>
      supported ? this.multiplexer().fetch(url, init) : this.plain(url, init),
    );
  }

  /** How many subscriptions are open plainly, waiting to move (for tests and introspection). */
  get plainMovable(): number {
    return this.early.size;
  }

  close(): void {
    this.mux?.close();
    this.mux = undefined;
  }

  private multiplexer(): Multiplexer {
    this.mux ??= new Multiplexer(this.origin, {
      fetch: this.fetchImpl,
      fallbackFetch: (url, init) => this.plain(url, init ?? {}),
      headers: this.headers,
      acquireSlot: (signal) => this.slot(signal),
      onSupport: (supported) => rememberSupport(this.origin, supported),
    });
    return this.mux;
  }

  private startEarly(url: string, init: RequestInit): Promise<Response> {
    const plainAbort = new AbortController();
    const stop = () => plainAbort.abort(init.signal?.reason);
    init.signal?.addEventListener('abort', stop, { once: true });
    const plainInit = { ...init, signal: plainAbort.signal };
    const entry: EarlySubscription = {
      url,
      init,
      subscription: new MovableSubscription(
        this.plain(url, plainInit),
        () => plainAbort.abort(),
        new Headers(init.headers).get('parents') ?? undefined,
        () => this.early.delete(entry),
      ),
    };
    this.early.add(entry);
    return entry.subscription.response;
  }

  /**
   * Opens the multiplexer and moves the early plain subscriptions into it. They are cut first (between two
   * updates), so this tab never holds more than one long-lived connection here, and resumed with Parents =
   * the version each reached. Resolves with whether the origin multiplexes (undefined: the network failed).
   */
  private probe(): Promise<boolean | undefined> {
    this.probing ??= (async () => {
      const moving = [...this.early].filter((e) => e.subscription.movable);
      this.early.clear();
      const cuts = await Promise.all(moving.map((e) => e.subscription.cut()));
      const supported = await this.multiplexer().open();
      moving.forEach((entry, i) => {
        const parents = cuts[i];
        if (parents === null) return; // it ended meanwhile
        const init = withParents(entry.init, parents);
        entry.subscription.resume(
          supported ? this.multiplexer().fetch(entry.url, init) : this.plain(entry.url, init),
        );
      });
      return supported ? true : rememberedSupport(this.origin);
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private slot(signal?: AbortSignal): Promise<ConnectionSlot> {
    return this.http2 ? Promise.resolve(FREE_SLOT) : acquireSlot(this.origin, signal);
  }

  /** A plain long-lived request: it holds a connection slot until its body ends or it is aborted. */
  private async plain(url: string, init: RequestInit): Promise<Response> {
    const slot = await this.slot(init.signal ?? undefined);
    init.signal?.addEventListener('abort', () => slot.release(), { once: true });
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      slot.release();
      throw error;
    }
    return releasedWithBody(response, slot);
  }
}

/** The same request resumed at `parents` (none: from scratch). */
function withParents(init: RequestInit, parents: string[] | undefined): RequestInit {
  const headers = new Headers(init.headers);
  if (parents?.length) headers.set('Parents', formatVersions(parents));
  else headers.delete('Parents');
  return { ...init, headers };
}

/** Releases `slot` when the body is read to its end, fails or is cancelled. */
function releasedWithBody(response: Response, slot: ConnectionSlot): Response {
  if (slot === FREE_SLOT) return response;
  if (!response.body) {
    slot.release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          slot.release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        slot.release();
        controller.error(error);
      }
    },
    cancel(reason) {
      slot.release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** HTTP/2 and 3 carry any number of requests on one connection: no need to multiplex on top. */
function pageOriginUsesHttp2(origin: string): boolean {
  if (typeof location === 'undefined' || location.origin !== origin || typeof performance === 'undefined')
    return false;
  const nav = performance.getEntriesByType?.('navigation')?.[0] as { nextHopProtocol?: string } | undefined;
  return nav?.nextHopProtocol === 'h2' || nav?.nextHopProtocol === 'h3';
}
