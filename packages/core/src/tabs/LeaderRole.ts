import type { FetchLike } from '../client/types';
import { parseVersions } from '../protocol/index';
import { type RelayRequest, reason, type ToFollower } from './messages';
import { relayResponse, requestInit } from './relay';
import { SharedSubscription } from './SharedSubscription';

/** The network, as the leader tab reaches it: plain requests, and subscriptions (through the multiplexer). */
export interface Network {
  fetch: FetchLike;
  subscribe: FetchLike;
}

/**
 * What the leader tab does for every tab (itself included): one upstream subscription per JSON resource shared by
 * all readers (SharedSubscription), other subscriptions (simpleton text: its server tailors each peer's stream)
 * passed through one by one, and plain requests (writes, GETs) made as asked. Followers' requests arrive as
 * messages and are answered piece by piece on their inbox.
 */
export class LeaderRole {
  private shared = new Map<string, SharedSubscription>();
  /** Followers' requests in progress, by `<tab> <id>`. */
  private remote = new Map<string, { tab: string; subscribe: boolean; abort: AbortController }>();
  private closed = false;

  constructor(private readonly network: Network) {}

  /** Subscriptions the server holds for all tabs together, shared ones counted once (for tests and the bench). */
  get subscriptions(): number {
    return this.shared.size;
  }

  /** One request of any tab. */
  async handle(url: string, init: RequestInit, subscribe: boolean): Promise<Response> {
    if (this.closed) throw new TypeError('the leader tab stopped leading');
    const headers = new Headers(init.headers);
    if (subscribe && shareable(headers)) {
      let shared = this.shared.get(url);
      if (!shared) {
        headers.delete('parents'); // the shared stream starts from a snapshot (every reader is served one)
        shared = new SharedSubscription(url, Object.fromEntries(headers), this.network.subscribe, (s) => {
          if (this.shared.get(url) === s) this.shared.delete(url);
        });
        this.shared.set(url, shared);
      }
      return shared.serve(init.signal);
    }
    if (subscribe) return this.network.subscribe(url, init);
    const response = await this.network.fetch(url, init);
    // An acknowledged write: a reader that asks for a snapshot now must get one that holds it.
    const version = headers.get('version');
    const shared = this.shared.get(url);
    if (response.ok && init.method === 'PUT' && version && shared)
      for (const id of parseVersions(version)) shared.acknowledged(id);
    return response;
  }

  /** A follower's request: made, and its answer sent back piece by piece. */
  async serve(message: RelayRequest, post: (message: ToFollower) => void): Promise<void> {
    const key = `${message.from} ${message.id}`;
    const abort = new AbortController();
    this.remote.set(key, { tab: message.from, subscribe: message.subscribe, abort });
    try {
      const response = await this.handle(message.url, requestInit(message, abort.signal), message.subscribe);
      await relayResponse(message.id, response, post);
    } catch (error) {
      // Aborted by the follower: it knows. Aborted because this tab stops leading: it must hear at once.
      if (!abort.signal.aborted || this.closed) post({ t: 'fail', id: message.id, message: reason(error) });
    } finally {
      this.remote.delete(key);
    }
  }

  /** The follower gave up on a request (aborted it, or its stream). */
  abort(tab: string, id: number): void {
    this.remote.get(`${tab} ${id}`)?.abort.abort();
  }

  /**
   * A follower went away: its subscriptions end. Its writes in flight are left to finish — the server may have
   * them already, and whoever resends them (a tab that takes its outbox over) does so under the same Version.
   */
  forget(tab: string): void {
    for (const request of this.remote.values())
      if (request.tab === tab && request.subscribe) request.abort.abort();
  }

  /** Stops leading: every stream of every reader fails like a dropped connection (they reconnect elsewhere). */
  close(): void {
    this.closed = true;
    for (const shared of [...this.shared.values()]) shared.close();
    for (const request of this.remote.values()) request.abort.abort();
  }
}

/** A subscription whose stream is the same for every reader: JSON (ClientResource's), no per-peer merge type. */
function shareable(headers: Headers): boolean {
  return (
    !headers.has('merge-type') &&
    !headers.has('peer') &&
    (headers.get('accept') ?? '').includes('application/json')
  );
}
