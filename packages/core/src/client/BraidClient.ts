import { type ResourceToken, resourcePath } from '../defineResource';
import type { TabHub, Tabs } from '../tabs/index';
import type { BraidError } from './BraidError';
import { ClientResource, type ResourceContext } from './ClientResource';
import type { BraidClientEvent } from './events';
import { systemTimers } from './machine/timers';
import type { OriginSubscriptions } from './multiplex/OriginSubscriptions';
import type { BraidClientOptions, FetchLike } from './types';

/** Random base36 characters (crypto where there is one: ids must not repeat across tabs and reloads). */
function randomId(length: number): string {
  const bytes = new Uint8Array(length);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let out = '';
  for (const byte of bytes) out += (byte % 36).toString(36);
  return out;
}
/**
 * Released resources (no listeners, nothing pending) kept by URL, so coming back to a page resumes from what
 * it showed; past this many, the longest-released are forgotten (their memory goes with the last reference).
 */
const KEPT_RELEASED_RESOURCES = 64;

/** The multiplexer is a chunk of its own, loaded by the first subscription (server renders never load it). */
let originSubscriptions: Promise<typeof import('./multiplex/OriginSubscriptions')> | undefined;
const loadOriginSubscriptions = () =>
  (originSubscriptions ??= import('./multiplex/OriginSubscriptions').catch((error) => {
    originSubscriptions = undefined; // a failed chunk load is retried with the next attempt
    throw error;
  }));

/**
 * Owns the live resources of an app: one Resource (one subscription) per URL however many readers it has,
 * shared settings, and the browser's online/offline signal.
 */
export class BraidClient {
  declare readonly peer: string;
  /** New for every BraidClient: with it, Version ids never repeat, whatever `peer` says (a reload, a second tab). */
  readonly instance = randomId(8);
  private resources = new Map<string, ClientResource<unknown>>();
  /** URLs of released resources still in `resources`, longest-released first. */
  private released = new Set<string>();
  /** @internal What its resources are given (tabs/index.ts uses it too). */
  declare readonly context: ResourceContext;
  private seq = 0;
  declare private removeNetworkListeners?: () => void;
  private origins = new Map<string, OriginSubscriptions>();
  /** With `persist`: the outbox and the tab hub, loaded (a chunk of their own, tabs/index.ts) on first use. */
  declare readonly tabs?: () => Promise<Tabs>;
  /** @internal The tab hub, once loaded (set by tabs/index.ts). */
  declare hub?: TabHub;
  /** With `headers` as a function: what it returned last (the multiplexer reads it when it opens a stream). */
  private latestHeaders: Record<string, string> = {};

  /**
   * Opens a subscription made outside this client's resources (a `TextResource`'s, say: its `subscribeFetch`)
   * through the origin's multiplexer with the client's own — one connection per tab, not one more each.
   * Takes an absolute URL (TextResource resolves its own against the page).
   */
  declare readonly subscriptionFetch: FetchLike;

  constructor(private readonly options: BraidClientOptions = {}) {
    this.peer = options.peer ?? randomId(8);
    const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchImpl) throw new Error('BraidClient needs fetch (pass options.fetch)');
    const headers = options.headers ?? {};
    const onEvent = eventSink(options);
    const subscribe: FetchLike = (url, init) => this.subscribeFetch(fetchImpl, url, init);
    const persist = options.persist;
    let tabs: Promise<Tabs> | undefined;
    const load = (this.tabs =
      persist &&
      (() =>
        (tabs ??= import('../tabs/index').then((m) => m.startTabs(persist, this, fetchImpl, subscribe)))));
    this.context = {
      // With `persist`, requests go through the tab hub: the tab that leads makes them for every tab.
      fetch: load ? (url, init) => load().then((t) => t.fetch(url, init)) : fetchImpl,
      subscribeFetch: load ? (url, init) => load().then((t) => t.subscribe(url, init)) : subscribe,
      timers: systemTimers,
      peer: this.peer,
      heartbeats: options.heartbeats ?? 20,
      retry: options.retry ?? {},
      gracePeriodMs: options.gracePeriodMs ?? 3000,
      headTimeoutMs: options.headTimeoutMs ?? 5000,
      echoTimeoutMs: options.echoTimeoutMs ?? 15_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      headers:
        typeof headers === 'function'
          ? async () => {
              const current = await headers();
              // The multiplexer opens its streams with the headers of the latest request (see subscribeFetch).
              replaceContents(this.latestHeaders, current);
              return current;
            }
          : async () => headers,
      nextVersionId: () => `${this.peer}-${this.instance}-${++this.seq}`,
      isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
      reportError: (error: BraidError) => options.onError?.(error),
      onEvent,
      lifecycle: (resource, event) => this.lifecycle(resource, event),
      persistence: load && (() => load().then((t) => t.persistence)),
    };
    this.subscriptionFetch = this.context.subscribeFetch;
    this.listenToNetwork();
  }

  /** The live resource at `url` or a token's path (the same object for the same URL). */
  resource<T = unknown>(url: string | ResourceToken<T>): ClientResource<T> {
    const key = this.resolve(resourcePath(url));
    let resource = this.resources.get(key);
    if (!resource) {
      resource = new ClientResource<unknown>(key, this.context);
      this.resources.set(key, resource);
    }
    return resource as ClientResource<T>;
  }

  /** `set` calls of this page that the server has not confirmed yet (what a "saving…" indicator shows). */
  pendingWrites(): number {
    let n = 0;
    for (const resource of this.resources.values()) n += resource.getStatus().pending;
    return n;
  }

  /**
   * With `persist`: `set` calls not yet confirmed in any tab of this browser profile (from the outbox); without,
   * this page's. Unconfirmed edits of a closed tab count until a page takes them over and the server confirms them.
   */
  async unconfirmedWrites(): Promise<number> {
    return (await this.tabs?.())?.persistence.unconfirmed() ?? this.pendingWrites();
  }

  /** Ends every subscription and timer. Resources of a closed client refuse writes. */
  close(): void {
    this.removeNetworkListeners?.();
    const resources = [...this.resources.values()];
    this.resources.clear();
    this.released.clear();
    for (const resource of resources) resource.close();
    for (const origin of this.origins.values()) origin.close();
    this.origins.clear();
    this.hub?.close();
  }

  /**
   * Keeps the map bounded: a closed resource leaves it; a released one stays, up to KEPT_RELEASED_RESOURCES.
   * A forgotten resource that a caller still holds and uses again comes back under its URL if that is free.
   */
  private lifecycle(resource: ClientResource<unknown>, event: 'active' | 'released' | 'closed'): void {
    const url = resource.url;
    const current = this.resources.get(url);
    if (event === 'active') {
      if (current === resource) this.released.delete(url);
      else if (!current) this.resources.set(url, resource);
      return;
    }
    if (current !== resource) return;
    this.released.delete(url);
    if (event === 'closed') {
      this.resources.delete(url);
      return;
    }
    this.released.add(url);
    for (const oldest of this.released) {
      if (this.released.size <= KEPT_RELEASED_RESOURCES) break;
      this.released.delete(oldest);
      this.resources.delete(oldest);
    }
  }

  /** Opens a subscription: through the origin's multiplexer, or plainly (see OriginSubscriptions). */
  private async subscribeFetch(fetchImpl: FetchLike, url: string, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const { OriginSubscriptions } = await loadOriginSubscriptions();
    init.signal?.throwIfAborted(); // closed while the chunk loaded: never sent
    let route = this.origins.get(origin);
    if (!route) {
      const mode = this.options.multiplex ?? 'auto';
      route = new OriginSubscriptions(
        origin,
        fetchImpl,
        typeof this.options.headers === 'function' ? this.latestHeaders : (this.options.headers ?? {}),
        mode,
      );
      this.origins.set(origin, route);
    }
    return route.fetch(url, init);
  }

  private resolve(url: string): string {
    const base =
      this.options.baseUrl ?? (typeof location !== 'undefined' && location.href ? location.href : undefined);
    try {
      return base ? new URL(url, base).href : new URL(url).href;
    } catch {
      throw new Error(
        `BraidClient: cannot resolve ${url}${base ? '' : ' (outside a browser, pass baseUrl)'}`,
      );
    }
  }

  private listenToNetwork(): void {
    if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return;
    const online = () => this.networkChanged(true);
    const offline = () => this.networkChanged(false);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    this.removeNetworkListeners = () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }

  /** @internal The network came back or went (also: a new leader tab, tabs/index.ts). */
  networkChanged(online: boolean): void {
    for (const resource of this.resources.values()) resource.networkChanged(online);
  }
}

function replaceContents(target: Record<string, string>, source: Record<string, string>): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, source);
}

/** onEvent and debug together (undefined when neither is set, so resources build no events). */
function eventSink(options: BraidClientOptions): ((event: BraidClientEvent) => void) | undefined {
  const { onEvent, debug } = options;
  if (!debug) return onEvent;
  return (event) => {
    console.debug('braid-live', event);
    onEvent?.(event);
  };
}
