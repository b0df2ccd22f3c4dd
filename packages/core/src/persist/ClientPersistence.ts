import type { ResourceContext } from '../client/ClientResource';
import { BraidError } from '../client/initialCode';
import { newWrite } from '../client/machine/writeMachine';
import type { OptimisticState } from '../client/OptimisticState';
import { appendComposed, applyJsonPatches, type JsonPatch } from '../protocol/index';
import type { ForeignView } from '../tabs/ForeignEdits';
import { type IndexedDbStoreOptions, indexedDbStore } from './indexedDbStore';
import { type ReplayContext, replayReplica } from './replayReplica';
import {
  type Loaded,
  PersistError,
  type PersistStore,
  type Replica,
  type StoredReplica,
  type StoredWrite,
} from './types';

/** What a ClientResource gives its persistence (attach): what replays need, and what they use of its context. */
export type ResourceRequests = Pick<ResourceContext, 'fetch' | 'peer' | 'headers' | 'nextVersionId'>;

/** The other tabs of the profile (tabs/TabHub): told of each resource's unconfirmed edits, showing theirs. */
export interface TabExchange {
  track(url: string, read: () => Replica): ForeignView & { refresh?: () => void };
  untrack(url: string): void;
  changed(url: string): void;
}

export interface PersistOptions extends IndexedDbStoreOptions {
  /** Another store (tests, or an app's own); default: IndexedDB with the options above. */
  store?: PersistStore;
  /**
   * Which resources to keep (their absolute URL; default: all). Leave out live feeds that only the server writes
   * and that change many times a second: caching them costs a save per change and buys nothing offline.
   */
  include?: (url: string) => boolean;
}

/** How long a change of the confirmed state alone may wait before it is saved (edits are saved at once). */
const CONFIRMED_SAVE_MS = 2000;
/** How long a write waits for its save before it is sent anyway. */
const SEND_WAIT_MS = 2000;

/**
 * The persistence of one BraidClient in one tab: its tab id, held alive by a Web Lock for as long as the page
 * lives (so other tabs know its replicas are not orphans), and the store. Browser-only parts degrade: without
 * Web Locks every other tab's replica counts as closed (taken over when found), which is right for the one-tab
 * case and safe for writes (a write resent under its Version is a retry).
 */
export class ClientPersistence {
  readonly tab = `tab-${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
  readonly store: PersistStore;
  readonly include: (url: string) => boolean;
  /** `<lockPrefix><tab>` is the Web Lock a tab holds for its life. */
  readonly lockPrefix: string;
  /** Resolves once this tab's lock is held (at once without Web Locks). */
  readonly held: Promise<void>;
  /** Resources saving through this client (flushed when the page is hidden). */
  readonly attached = new Set<ResourcePersistence>();
  /** With several tabs (set by tabs/index.ts). */
  tabs?: TabExchange;
  /** Stored replicas this tab is sending (replayOnce), by resource and stored tab name. */
  private replaying = new Set<string>();

  constructor(options: PersistOptions = {}) {
    this.store = options.store ?? indexedDbStore(options);
    this.include = options.include ?? (() => true);
    this.lockPrefix = `braid-live-tab:${options.name ?? 'braid-live'}:`;
    // A page being hidden may be closed next without another chance: save what waits for its throttle now.
    if (typeof document !== 'undefined') {
      const flushAll = () => {
        for (const r of this.attached) void r.flush();
      };
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') flushAll();
      });
      globalThis.addEventListener?.('pagehide', flushAll);
    }
    const locks = navigatorLocks();
    // Held until the page goes away: the browser releases it on close, crash or discard.
    this.held = new Promise<void>((granted) => {
      if (!locks) return granted();
      void locks
        .request(this.lockPrefix + this.tab, () => {
          granted();
          return new Promise<void>(() => {});
        })
        .catch(() => granted());
    });
  }

  /** Which tabs are alive now (their lock is held). */
  async aliveTabs(): Promise<(tab: string) => boolean> {
    const locks = navigatorLocks();
    if (!locks) return (tab) => tab === this.tab;
    const snapshot = await locks.query();
    const held = new Set<string>();
    for (const lock of [...(snapshot.held ?? []), ...(snapshot.pending ?? [])]) {
      if (lock.name?.startsWith(this.lockPrefix)) held.add(lock.name.slice(this.lockPrefix.length));
    }
    held.add(this.tab); // our request may not be granted yet
    return (tab) => held.has(tab);
  }

  async load(resource: string): Promise<Loaded> {
    return this.store.load(resource, this.tab, await this.aliveTabs());
  }

  /**
   * Binds one resource before its first connection: shows the last confirmed state this browser saved (also
   * offline), takes over the unconfirmed edits a closed tab (or this page before a reload) left — its write in
   * flight goes again as first sent, under its Version — replays what further closed tabs left, and reports
   * edits of another app version. Returns what saves the resource's replica from now on.
   */
  async attach(
    url: string,
    requests: ResourceRequests,
    state: OptimisticState,
    reportError: (error: BraidError) => void,
    /** Show the view again: `restored` when a saved replica was put in place (the first value is there). */
    show: (restored?: boolean) => void,
  ): Promise<ResourcePersistence> {
    const resource: ReplayContext = {
      url,
      fetch: requests.fetch,
      peer: requests.peer,
      headers: () => requests.headers(),
      nextVersionId: requests.nextVersionId,
      report: reportError,
    };
    const report = (error: unknown) =>
      reportError(
        error instanceof BraidError
          ? error
          : new BraidError(
              'storage',
              resource.url,
              `persist: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
      );
    const read = () => replicaOf(state);
    const persisted = new ResourcePersistence(this, resource.url, read, report);
    this.attached.add(persisted);
    if (this.tabs) {
      const foreign = this.tabs.track(resource.url, read);
      foreign.refresh = () => show();
      persisted.foreign = foreign;
    }
    const loaded = await persisted.load();
    for (const stale of loaded.stale) {
      const count = (stale.inflight?.count ?? 0) + (stale.buffer?.count ?? 0);
      const message = `${count} unconfirmed edit${count === 1 ? '' : 's'} saved by another version of the app (${stale.appVersion || 'none'}) were not replayed`;
      resource.report(new BraidError('outbox-stale', resource.url, message));
    }
    const mine = loaded.mine;
    const base = mine?.confirmed ?? loaded.confirmed;
    if (base && !state.loaded) {
      restoreReplica(state, base, mine?.inflight, mine?.buffer);
      show(true);
    }
    if (loaded.replays.length) void persisted.replay(resource, loaded.replays).catch(report);
    return persisted;
  }

  /**
   * Takes over the outboxes of tabs that are gone (while this page runs: the leader does, when it is elected and
   * when a tab goes away) and sends them as a page load would (replayReplica), also replicas of this tab left
   * unsent by an earlier try. Needs Web Locks (without, a live tab could not be told from a closed one).
   */
  async adopt(contextFor: (url: string) => ReplayContext, gone: (tab: string) => boolean): Promise<void> {
    if (!navigatorLocks() || !this.store.adopt) return;
    // `gone`: tabs known to have left, whose lock may still show for a moment (other tabs watching it take it).
    const alive = await this.aliveTabs();
    const replicas = await this.store.adopt(this.tab, (tab) => alive(tab) && !gone(tab));
    await Promise.all(
      replicas.map((replica) =>
        this.replayOnce(contextFor(replica.resource), replica, (tab) =>
          this.store.forget(replica.resource, tab),
        ),
      ),
    );
  }

  /**
   * Sends one stored replica (replayReplica), unless this tab is sending it already: a page load's replays and
   * the leader's takeovers may find the same `<tab>~…` record, and a buffer replayed twice would be two writes.
   */
  async replayOnce(
    ctx: ReplayContext,
    replica: StoredReplica,
    forget: (tab: string) => Promise<void>,
  ): Promise<void> {
    const key = `${replica.resource}\n${replica.tab}`;
    if (this.replaying.has(key)) return;
    this.replaying.add(key);
    try {
      // As stored now, not as read a while ago: sent meanwhile (gone), or its buffer given a Version (kept).
      const current = this.store.get ? await this.store.get(replica.resource, replica.tab) : replica;
      if (current) await replayReplica(ctx, { forget }, this.store, current);
    } finally {
      this.replaying.delete(key);
    }
  }

  /** Unconfirmed `set` calls of every tab of this profile (what `warnBeforeUnload` asks about). */
  unconfirmed(): Promise<number> {
    return this.store.unconfirmed();
  }

  close(): void {
    this.store.close();
  }
}

/**
 * The saving of one resource's replica: an edit (or a write taking off) is saved at once, in order, and a write
 * is sent only after its save (`flush`); a change of the confirmed state alone is saved at most once a second.
 */
export class ResourcePersistence {
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** A save is queued behind the running one (and has not read the state yet). */
  private queued = false;
  private reportedSlow = false;
  /** Until a confirmed state is stored, it is saved at once (a page closed a moment later still finds it). */
  private storedConfirmed = false;
  /** Whether anything of this resource may be stored under this tab (else an empty replica needs no save). */
  private storedAny = false;
  /** With several tabs: their unconfirmed edits of this resource, shown over its view. */
  foreign?: ForeignView;

  constructor(
    private readonly client: ClientPersistence,
    private readonly resource: string,
    private readonly read: () => Replica,
    private readonly report: (error: unknown) => void,
  ) {}

  load(): Promise<Loaded> {
    return this.client.load(this.resource);
  }

  /** Something changed: `outbox` when unconfirmed edits did (saved now), else only the confirmed state. */
  changed(outbox: boolean): void {
    if (this.closed) return;
    this.client.tabs?.changed(this.resource);
    this.dirty = true;
    if (outbox || !this.storedConfirmed) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, CONFIRMED_SAVE_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Saves what changed (after any save in progress); resolves once it is stored, or failed and was reported. */
  flush(): Promise<void> {
    if (!this.dirty) return this.chain;
    this.dirty = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    // At most one save waits behind the running one: it reads the state when it starts, so it saves whatever
    // changed until then (a busy feed never queues more saves than IndexedDB can take).
    if (this.queued) return this.chain;
    this.queued = true;
    this.chain = this.chain.then(() => {
      this.queued = false;
      // Closed meanwhile: another page may have taken the replica over already.
      return this.closed ? undefined : this.save(this.read());
    });
    return this.chain;
  }

  /**
   * Waits for the save before a write is sent, but not forever: storage that does not answer in time (a busy or
   * broken IndexedDB) must not hold the write back. It goes from memory, and the slowness is reported once.
   */
  async flushBeforeSend(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), SEND_WAIT_MS);
    });
    const outcome = await Promise.race([this.flush(), late]);
    clearTimeout(timer);
    if (outcome === 'late' && !this.reportedSlow) {
      this.reportedSlow = true;
      this.report(
        new PersistError(
          'storage-failed',
          `IndexedDB did not store a write within ${SEND_WAIT_MS} ms: it was sent from memory`,
        ),
      );
    }
  }

  /** Sends what further closed tabs left for this resource (see replayReplica), one after the other. */
  replay(ctx: ReplayContext, replicas: readonly StoredReplica[]): Promise<void> {
    return replicas.reduce<Promise<void>>(
      (done, replica) => done.then(() => this.client.replayOnce(ctx, replica, (tab) => this.forget(tab))),
      Promise.resolve(),
    );
  }

  private async save(replica: Replica): Promise<void> {
    const empty = !replica.confirmed && !replica.inflight && !replica.buffer;
    if (empty && !this.storedAny) return;
    try {
      await this.client.store.save(this.resource, this.client.tab, replica);
      this.storedAny = !empty;
      if (replica.confirmed) this.storedConfirmed = true;
    } catch (error) {
      this.report(error);
    }
  }

  /** A replayed replica reached the server (or was refused): it is forgotten. */
  forget(tab: string): Promise<void> {
    return this.client.store.forget(this.resource, tab).catch(this.report);
  }

  /** The resource closed: nothing more is saved (what is stored stays for the next page load). */
  close(): void {
    this.client.attached.delete(this);
    if (this.foreign) this.client.tabs?.untrack(this.resource);
    this.closed = true;
    this.dirty = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** What the outbox keeps: the confirmed state, the write in flight as first sent, the buffered edits. */
function replicaOf(state: OptimisticState): Replica {
  const w = state.inflight;
  const open = w && w.phase !== 'confirmed' && w.phase !== 'rejected';
  return {
    confirmed: state.confirmed,
    inflight: open ? { version: w.id, request: w.request, patches: w.patches, count: w.count } : undefined,
    buffer: state.buffer.length ? { patches: state.buffer.slice(), count: state.bufferCount } : undefined,
  };
}

/** Puts a saved replica in place: its write in flight goes again as first sent (queued), its buffer on top. */
function restoreReplica(
  state: OptimisticState,
  confirmed: { version: string[]; value: unknown },
  inflight?: StoredWrite,
  buffer?: { patches: JsonPatch[]; count: number },
): void {
  state.confirmed = confirmed;
  let view = confirmed.value;
  if (inflight) {
    const write = newWrite(inflight.version);
    state.inflight = {
      ...write,
      request: inflight.request,
      patches: inflight.patches,
      count: inflight.count,
      waiters: [],
    };
    view = applyJsonPatches(view, inflight.patches);
  }
  if (buffer?.patches.length) {
    appendComposed(state.buffer, buffer.patches);
    state.bufferCount += buffer.count;
    view = applyJsonPatches(view, buffer.patches);
  }
  state.view = view;
}

function navigatorLocks(): LockManager | undefined {
  return (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
}
