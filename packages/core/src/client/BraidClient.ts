import type { BraidError } from './BraidError';
import { OriginSubscriptions } from './multiplex/OriginSubscriptions';
import { Resource, type ResourceContext } from './Resource';
import type { BraidClientOptions, FetchLike } from './types';

const randomPeer = () => Math.random().toString(36).slice(2, 10);

/** HTTP/2 and 3 carry any number of requests on one connection: no need to multiplex on top. */
function pageOriginUsesHttp2(origin: string): boolean {
  if (typeof location === 'undefined' || location.origin !== origin || typeof performance === 'undefined')
    return false;
  const nav = performance.getEntriesByType?.('navigation')?.[0] as { nextHopProtocol?: string } | undefined;
  return nav?.nextHopProtocol === 'h2' || nav?.nextHopProtocol === 'h3';
}

/**
 * Owns the live resources of an app: one Resource (one subscription) per URL however many readers it has,
 * shared settings, and the browser's online/offline signal.
 */
export class BraidClient {
  readonly peer: string;
  private resources = new Map<string, Resource<unknown>>();
  private context: ResourceContext;
  private seq = 0;
  private removeNetworkListeners?: () => void;
  private origins = new Map<string, OriginSubscriptions>();

  constructor(private readonly options: BraidClientOptions = {}) {
    this.peer = options.peer ?? randomPeer();
    const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetchImpl) throw new Error('BraidClient needs fetch (pass options.fetch)');
    this.context = {
      fetch: fetchImpl,
      subscribeFetch: (url, init) => this.subscribeFetch(fetchImpl, url, init),
      peer: this.peer,
      heartbeats: options.heartbeats ?? 20,
      retry: options.retry ?? {},
      gracePeriodMs: options.gracePeriodMs ?? 3000,
      headers: options.headers ?? {},
      nextVersionId: () => `${this.peer}-${++this.seq}`,
      isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
      reportError: (error: BraidError) => options.onError?.(error),
    };
    this.listenToNetwork();
  }

  /** The live resource at `url` (the same object for the same URL). */
  resource<T = unknown>(url: string): Resource<T> {
    const key = this.resolve(url);
    let resource = this.resources.get(key);
    if (!resource) {
      resource = new Resource<unknown>(key, this.context);
      this.resources.set(key, resource);
    }
    return resource as Resource<T>;
  }

  /** Ends every subscription and timer. Resources of a closed client refuse writes. */
  close(): void {
    this.removeNetworkListeners?.();
    for (const resource of this.resources.values()) resource.close();
    this.resources.clear();
    for (const origin of this.origins.values()) origin.close();
    this.origins.clear();
  }

  /** Opens a subscription: through the origin's multiplexer, or plainly (see OriginSubscriptions). */
  private subscribeFetch(fetchImpl: FetchLike, url: string, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    let route = this.origins.get(origin);
    if (!route) {
      const mode = this.options.multiplex ?? 'auto';
      route = new OriginSubscriptions(
        origin,
        fetchImpl,
        this.options.headers ?? {},
        mode,
        pageOriginUsesHttp2(origin),
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

  private networkChanged(online: boolean): void {
    for (const resource of this.resources.values()) resource.networkChanged(online);
  }
}
