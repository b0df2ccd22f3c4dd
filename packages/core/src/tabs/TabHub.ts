import type { FetchLike } from '../client/types';
import { electLeader, type TabLeadership } from '../persist/tabLeader';
import type { Replica } from '../persist/types';
import type { JsonPatch } from '../protocol/index';
import { ForeignEdits } from './ForeignEdits';
import { LeaderRole, type Network } from './LeaderRole';
import {
  type ControlMessage,
  controlChannel,
  inboxChannel,
  type ToFollower,
  type ToLeader,
} from './messages';
import { ProxiedResponse, requestMessage } from './relay';

/** Unconfirmed `set` calls of the tabs of this profile that are open now. */
export interface UnsavedStatus {
  /** This tab's (`client.pendingWrites()`). */
  thisTab: number;
  /** The other open tabs' (their resources kept by `persist`). */
  otherTabs: number;
  /** Tabs of the app open in this profile, this one included. */
  openTabs: number;
}

export interface TabHubOptions extends Network {
  /** `persist.name`: the tabs that share a leader are the tabs of one app in one profile. */
  name: string;
  /** This tab's id (ClientPersistence.tab), alive while its Web Lock `<lockPrefix><tab>` is held. */
  tab: string;
  lockPrefix: string;
  /** Resolves once this tab's lock is held (before that, no other tab may watch it). */
  held: Promise<void>;
  /** The leader changed: requests sent to the old one failed; resources reconnect now, not after a backoff. */
  rerouted(): void;
  /** This tab became the leader, or a tab went away: take over the outboxes of tabs that are gone. */
  adopt(): void;
  /** This tab's unconfirmed `set` calls. */
  unsaved(): number;
}

/** A tab whose lock is not released yet; a tab that said nothing for this long after `hello` is not counted. */
interface Peer {
  leader: boolean;
  unsaved: number;
}

/**
 * One connection per browser profile: the tabs of an app elect a leader (persist/tabLeader.ts, Web Locks or
 * BroadcastChannel heartbeats), which alone holds the subscriptions and sends the writes (LeaderRole); the
 * other tabs hand their requests to it over BroadcastChannel and get the answers back, streamed. A tab's
 * ClientResources never know: their `fetch` and `subscribeFetch` go through this hub in every tab, leader or not.
 *
 * When the leader goes (closed, crashed, frozen) another tab is elected; what was asked of the old one fails like
 * a dropped connection — a write in flight is resent under its Version (the server answers a retry 200, no
 * change), a subscription reconnects — and at once, not after a backoff (`rerouted`). Requests made while no
 * leader is known wait for one.
 *
 * It also carries each tab's unconfirmed edits to the others (ForeignEdits, shown before the server has them)
 * and their counts (`unsaved()`).
 */
export class TabHub {
  private readonly control: BroadcastChannel;
  private readonly inbox: BroadcastChannel;
  private readonly outboxes = new Map<string, BroadcastChannel>();
  private readonly leadership: Promise<TabLeadership>;
  private role?: LeaderRole;
  /** The tab that leads, as far as this one knows (itself, when it leads). */
  private leaderId?: string;
  /** A leader was lost (its successor is not known yet): when one is, resources are woken. */
  private handingOver = false;
  private waiting: (() => void)[] = [];
  private seq = 0;
  private outgoing = new Map<number, ProxiedResponse>();
  private peers = new Map<string, Peer>();
  /** The Web Locks requests that tell when a tab is gone, by tab (kept after its `bye`, until it is). */
  private watches = new Map<string, AbortController>();
  /** Tabs that left lately (bounded). */
  private gone: string[] = [];
  private foreign = new Map<string, ForeignEdits>();
  private tracked = new Map<string, { read: () => Replica; sent: string }>();
  private dirty = new Set<string>();
  private flushQueued = false;
  private sentUnsaved = 0;
  private unsavedListeners = new Set<() => void>();
  private lastStatus?: UnsavedStatus;
  private leaderListeners = new Set<() => void>();
  private closed = false;
  private readonly locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;

  constructor(private readonly options: TabHubOptions) {
    this.control = new BroadcastChannel(controlChannel(options.name));
    this.inbox = new BroadcastChannel(inboxChannel(options.name, options.tab));
    this.leadership = options.held.then(() => {
      // Only once this tab's lock is held: a tab that hears of it may watch that lock at once.
      this.control.onmessage = (event: MessageEvent<ControlMessage>) => this.onControl(event.data);
      this.inbox.onmessage = (event: MessageEvent<ToLeader | ToFollower>) => this.onInbox(event.data);
      this.post({ t: 'hello', from: options.tab });
      const leadership = electLeader(options.name, options.tab);
      leadership.onChange((leading) => this.leadershipChanged(leading));
      if (leadership.isLeader) this.leadershipChanged(true);
      return leadership;
    });
    globalThis.addEventListener?.('pagehide', this.onPageHide);
  }

  /** Whether this tab leads (holds the connection for every tab). */
  get isLeader(): boolean {
    return this.role !== undefined;
  }

  /** `persist.name`: the app whose tabs share this hub (TextResource names its tab channel after it). */
  get appName(): string {
    return this.options.name;
  }

  /** This tab's id. */
  get tabId(): string {
    return this.options.tab;
  }

  /** The tab that leads as far as this one knows (this tab's id when it leads), or none while it is handed over. */
  get leader(): string | undefined {
    return this.role || this.leaderId !== this.options.tab ? this.leaderId : undefined;
  }

  /** Called whenever `leader` changes (TextResource: one text subscription per profile, the leader's). */
  onLeaderChange(listener: () => void): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  private leaderChanged(): void {
    for (const listener of [...this.leaderListeners]) listener();
  }

  /** Subscriptions this tab holds for every tab (when it leads). */
  get sharedSubscriptions(): number {
    return this.role?.subscriptions ?? 0;
  }

  /** ClientResource's `fetch` (writes, GETs). */
  fetch: FetchLike = (url, init = {}) => this.route(url, init, false);

  /** ClientResource's (and TextResource's) `subscribeFetch`. */
  subscribe: FetchLike = (url, init = {}) => this.route(url, init, true);

  private async route(url: string, init: RequestInit, subscribe: boolean): Promise<Response> {
    for (;;) {
      init.signal?.throwIfAborted();
      if (this.closed) throw new TypeError('the client is closed');
      const leader = this.leaderId;
      if (leader === this.options.tab && this.role) return this.role.handle(url, init, subscribe);
      if (leader && leader !== this.options.tab) return this.proxy(leader, url, init, subscribe);
      await this.leaderKnown(init.signal);
    }
  }

  private leaderKnown(signal?: AbortSignal | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private proxy(leader: string, url: string, init: RequestInit, subscribe: boolean): Promise<Response> {
    const id = ++this.seq;
    const message = requestMessage(this.options.tab, id, url, init, subscribe);
    const cancel = () => {
      if (!this.outgoing.delete(id)) return;
      this.send(leader, { t: 'abort', from: this.options.tab, id });
    };
    const proxied = new ProxiedResponse(leader, cancel);
    this.outgoing.set(id, proxied);
    const signal = init.signal;
    signal?.addEventListener(
      'abort',
      () => {
        cancel();
        proxied.fail(signal.reason ?? new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
    this.send(leader, message);
    return proxied.response;
  }

  // ---- messages ----

  private onInbox(message: ToLeader | ToFollower): void {
    if (message.t === 'req') {
      const from = message.from;
      this.peerSeen(from);
      if (this.role) void this.role.serve(message, (answer) => this.send(from, answer));
      else this.send(from, { t: 'fail', id: message.id, message: 'this tab does not lead' });
    } else if (message.t === 'abort') this.role?.abort(message.from, message.id);
    else {
      const proxied = this.outgoing.get(message.id);
      if (proxied?.receive(message)) this.outgoing.delete(message.id);
    }
  }

  private onControl(message: ControlMessage): void {
    if (this.closed) return;
    const from = message.from;
    switch (message.t) {
      case 'hello':
        this.peerSeen(from);
        this.announce();
        for (const url of this.tracked.keys()) this.postEdits(url, true);
        return;
      case 'tab': {
        const peer = this.peerSeen(from);
        peer.leader = message.leader;
        peer.unsaved = message.unsaved;
        if (message.leader) this.leaderIs(from);
        else if (this.leaderId === from) this.leaderLost();
        this.unsavedChanged();
        return;
      }
      case 'edits':
        this.peerSeen(from);
        this.foreignEdits(message.url).set(from, message.base, message.patches);
        return;
      case 'bye':
        this.peerGone(from);
        return;
    }
  }

  private post(message: ControlMessage): void {
    if (!this.closed) this.control.postMessage(message);
  }

  /** To one tab's inbox. */
  private send(tab: string, message: ToLeader | ToFollower): void {
    if (this.closed) return;
    let channel = this.outboxes.get(tab);
    if (!channel) {
      channel = new BroadcastChannel(inboxChannel(this.options.name, tab));
      this.outboxes.set(tab, channel);
    }
    channel.postMessage(message);
  }

  private announce(): void {
    this.sentUnsaved = this.options.unsaved();
    this.post({ t: 'tab', from: this.options.tab, leader: this.isLeader, unsaved: this.sentUnsaved });
  }

  // ---- leadership ----

  private leadershipChanged(leading: boolean): void {
    if (this.closed) return;
    if (leading && !this.role) {
      this.role = new LeaderRole(this.options);
      this.leaderIs(this.options.tab);
      this.announce();
      this.options.adopt();
    } else if (!leading && this.role) {
      const role = this.role;
      this.role = undefined;
      role.close();
      if (this.leaderId === this.options.tab) this.leaderLost();
      this.announce();
    }
  }

  private leaderIs(tab: string): void {
    if (this.leaderId === tab) return;
    const replaced = this.leaderId !== undefined || this.handingOver;
    this.leaderId = tab;
    this.failOutgoing((leader) => leader !== tab, 'the leader tab changed');
    for (const wake of this.waiting.splice(0)) wake();
    this.handingOver = false;
    this.leaderChanged();
    if (!replaced) return;
    // Resources whose requests just failed are in their backoff by the next task (their failure travels by
    // microtasks): woken then, all at once, they reconnect through the new leader now, not after the backoff.
    setTimeout(() => {
      if (this.leaderId === tab) this.options.rerouted();
    }, 0);
  }

  /** The leader stepped down or left: another tab that said it leads (a moment of two leaders), or none yet. */
  private leaderLost(): void {
    this.leaderId = undefined;
    this.handingOver = true;
    this.failOutgoing(() => true, 'the leader tab went away');
    this.leaderChanged();
    const next = this.role ? this.options.tab : [...this.peers].find(([, peer]) => peer.leader)?.[0];
    if (next) this.leaderIs(next);
  }

  private failOutgoing(which: (leader: string) => boolean, reason: string): void {
    for (const [id, proxied] of this.outgoing) {
      if (!which(proxied.leader)) continue;
      this.outgoing.delete(id);
      proxied.fail(new TypeError(reason));
    }
  }

  // ---- the other tabs ----

  private peerSeen(tab: string): Peer {
    let peer = this.peers.get(tab);
    if (peer) return peer;
    peer = { leader: false, unsaved: 0 };
    this.peers.set(tab, peer);
    // Told when the tab is gone, whatever way it went (closed, crashed, discarded): its Web Lock is released.
    if (this.locks && !this.watches.has(tab)) {
      const watch = new AbortController();
      this.watches.set(tab, watch);
      // (after the callback returns: the lock is released again, so it does not look held by us)
      void this.locks
        .request(this.options.lockPrefix + tab, { signal: watch.signal }, () => {})
        .then(
          () => this.peerGone(tab, true),
          () => {},
        );
    }
    return peer;
  }

  /** Whether `tab` is known to have left (its outbox may be taken over). */
  isGone = (tab: string): boolean => this.gone.includes(tab);

  /**
   * A tab left: said `bye`, or (`dead`) its lock was released — only then may its outbox be taken over (after a
   * `bye` the page may still save its replica once more).
   */
  private peerGone(tab: string, dead = false): void {
    if (dead) {
      this.watches.delete(tab);
      this.gone.push(tab);
      if (this.gone.length > 64) this.gone.shift();
      if (this.role) this.options.adopt();
    }
    const peer = this.peers.get(tab);
    if (!peer) return;
    this.peers.delete(tab);
    this.outboxes.get(tab)?.close();
    this.outboxes.delete(tab);
    for (const edits of this.foreign.values()) edits.set(tab, [], []);
    this.role?.forget(tab);
    if (this.leaderId === tab) this.leaderLost();
    this.unsavedChanged();
  }

  // ---- unconfirmed edits, across tabs ----

  /** The other tabs' unconfirmed edits of `url`, shown by this tab's resource (persist attaches it). */
  foreignEdits(url: string): ForeignEdits {
    let edits = this.foreign.get(url);
    if (!edits) {
      edits = new ForeignEdits(url);
      this.foreign.set(url, edits);
    }
    return edits;
  }

  /** A resource of this tab whose unconfirmed edits the other tabs are told of (`read` is its replica now). */
  track(url: string, read: () => Replica): ForeignEdits {
    this.tracked.set(url, { read, sent: '' });
    return this.foreignEdits(url);
  }

  untrack(url: string): void {
    const tracked = this.tracked.get(url);
    this.tracked.delete(url);
    if (tracked?.sent) this.post({ t: 'edits', from: this.options.tab, url, base: [], patches: [] });
  }

  /** Something of `url` changed in this tab: the other tabs hear of its edits (coalesced, only when they differ). */
  changed(url: string): void {
    this.dirty.add(url);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      for (const dirty of this.dirty) this.postEdits(dirty, false);
      this.dirty.clear();
      if (this.options.unsaved() !== this.sentUnsaved) this.announce();
      this.unsavedChanged();
    });
  }

  private postEdits(url: string, always: boolean): void {
    const tracked = this.tracked.get(url);
    if (!tracked) return;
    const replica = tracked.read();
    const patches: JsonPatch[] = [...(replica.inflight?.patches ?? []), ...(replica.buffer?.patches ?? [])];
    const base = replica.confirmed?.version ?? [];
    const key = patches.length ? JSON.stringify([base, patches]) : '';
    if (key === tracked.sent && !(always && key)) return;
    tracked.sent = key;
    this.post({ t: 'edits', from: this.options.tab, url, base, patches });
  }

  unsaved(): UnsavedStatus {
    let otherTabs = 0;
    for (const peer of this.peers.values()) otherTabs += peer.unsaved;
    const next = { thisTab: this.options.unsaved(), otherTabs, openTabs: this.peers.size + 1 };
    const last = this.lastStatus;
    if (
      last &&
      last.thisTab === next.thisTab &&
      last.otherTabs === otherTabs &&
      last.openTabs === next.openTabs
    )
      return last;
    this.lastStatus = next;
    return next;
  }

  onUnsavedChange(listener: () => void): () => void {
    this.unsavedListeners.add(listener);
    return () => this.unsavedListeners.delete(listener);
  }

  private unsavedChanged(): void {
    const before = this.lastStatus;
    if (this.unsaved() === before) return;
    for (const listener of [...this.unsavedListeners]) listener();
  }

  // ---- the end ----

  private onPageHide = (event: Event) => {
    // A page kept in the back-forward cache comes back: it says hello again then (and elects again).
    if ((event as PageTransitionEvent).persisted) return;
    this.close();
  };

  /** This tab goes: it stops leading (the next tab takes over) and tells the others. */
  close(): void {
    if (this.closed) return;
    this.post({ t: 'bye', from: this.options.tab });
    this.closed = true;
    globalThis.removeEventListener?.('pagehide', this.onPageHide);
    void this.leadership.then((l) => l.close());
    this.role?.close();
    this.role = undefined;
    this.failOutgoing(() => true, 'the client is closed');
    this.leaderListeners.clear();
    for (const wake of this.waiting.splice(0)) wake();
    for (const watch of this.watches.values()) watch.abort();
    for (const channel of this.outboxes.values()) channel.close();
    this.control.close();
    this.inbox.close();
  }
}
