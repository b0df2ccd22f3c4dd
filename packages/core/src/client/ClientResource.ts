import { produce } from 'immer';
import type { ClientPersistence, ResourcePersistence } from '../persist/ClientPersistence';
import {
  applyJsonPatches,
  collapsePatches,
  diffJson,
  formatVersions,
  type JsonPatch,
  parseJsonContent,
  type Update,
} from '../protocol/index';
import { BraidError } from './BraidError';
import { backoffDelay, parseRetryAfter, RETRYABLE_STATUS } from './backoff';
import { encodeWrite } from './encodeWrite';
import type { BraidClientEvent } from './events';
import { toJsonValue } from './jsonValue';
import {
  type ConnectionEvent,
  type ConnectionMachineState,
  connectionReducer,
  initialConnection,
  publicConnectionState,
} from './machine/connectionMachine';
import type { Timers } from './machine/timers';
import { MAX_RENAMES } from './machine/writeMachine';
import { type InflightWrite, OptimisticState, type Reception, type WriteWaiter } from './OptimisticState';
import { readSubscription } from './readSubscription';
import { Subscribable } from './Subscribable';
import { sleep } from './sleep';
import type { ConnectionState, FetchLike, ResourceStatus, SetAction } from './types';
import { type EditKind, UndoHistory } from './undoHistory';
import { describe, readVersion, sameVersion, smallerOf } from './wire';

/** What a ClientResource needs from its client: I/O, clock, settings, ids, error fan-out. */
export interface ResourceContext {
  fetch: FetchLike;
  /** The fetch for subscriptions (may go through a multiplexer). */
  subscribeFetch: FetchLike;
  timers: Timers;
  peer: string;
  heartbeats: number;
  retry: { baseMs?: number; maxMs?: number };
  gracePeriodMs: number;
  /** How long a subscription's head may take before a GET checks whether the server is there and current. */
  headTimeoutMs: number;
  /** How long an acknowledged write's echo may take before the resource re-checks with a fresh snapshot. */
  echoTimeoutMs: number;
  /** How long a PUT may go unanswered before it counts as failed (and is resent under the same Version). */
  writeTimeoutMs: number;
  /** The extra headers of one request (asked for each request, so a token can be refreshed). */
  headers(): Promise<Record<string, string>>;
  nextVersionId(): string;
  isOnline(): boolean;
  reportError(error: BraidError): void;
  /** Transitions, requests and answers, for `onEvent`/`debug` (absent when nobody listens). */
  onEvent?: (event: BraidClientEvent) => void;
  /** With `persist`: the outbox and confirmed-state cache of this client (loaded on first use). */
  persistence?: () => Promise<ClientPersistence>;
  /** Connected again, released (no listeners, nothing pending, subscription ended), or closed for good. */
  lifecycle(resource: ClientResource<unknown>, event: 'active' | 'released' | 'closed'): void;
}

/** How one connection attempt ended: retry it after a backoff, or stop (a refusal retrying will not fix). */
type AttemptOutcome =
  | { kind: 'dropped'; error?: BraidError; retryAfterMs?: number }
  | { kind: 'refused'; error: BraidError };

const MAX_PATCHES_PER_WRITE = 1000;
/** A 409 whose reason starts so means the Version was taken by another write (server/knownVersions.ts). */
const VERSION_TAKEN = /^version taken\b/;
/** A plain value whose diff is this many patches or more is sent whole, when that is smaller. */
const SNAPSHOT_CHECK_PATCHES = 32;
const NO_VERSIONS: readonly string[] = [];

/**
 * One live remote value (one per URL per client): a subscription that reconnects and resumes, optimistic writes
 * reconciled with the server's versions, and a status. Framework-free; React binds to subscribe/getSnapshot.
 *
 * The connection's lifecycle is the connection machine (machine/connectionMachine.ts), each write's the write
 * machine (machine/writeMachine.ts): this class performs their effects (fetches, timers) and dispatches what
 * happened; it decides nothing about phases itself.
 */
export class ClientResource<T = unknown> extends Subscribable<() => void> {
  /** The local state: confirmed + the write in flight + buffered edits = what the UI sees. */
  private local = new OptimisticState();
  private connection: ConnectionMachineState = initialConnection;
  private status: ResourceStatus = {
    state: 'connecting',
    pending: 0,
    pendingVersions: NO_VERSIONS,
    canUndo: false,
    canRedo: false,
  };
  private history = new UndoHistory();
  /** `set` calls made before the first value arrived (a recipe needs it to run). */
  private waitingSets: { action: SetAction<T>; waiter: WriteWaiter }[] = [];
  /** The running loop's abort (present exactly while a loop runs). */
  private running?: AbortController;
  private stream?: AbortController;
  private graceTimer?: unknown;
  private echoTimer?: unknown;
  private flushQueued = false;
  private sending?: Promise<BraidError | undefined>;
  private readyPromise?: Promise<void>;
  private resolveReady?: () => void;
  private rejectReady?: (error: BraidError) => void;
  private wakeUp?: () => void;
  private errorListeners = new Set<(error: BraidError) => void>();
  /** With `persist`: saves this resource's replica; `restoring` runs once, before the first connection. */
  private persisted?: ResourcePersistence;
  private restoring?: Promise<void>;

  constructor(
    readonly url: string,
    private readonly ctx: ResourceContext,
  ) {
    super();
    const report = ctx.onEvent;
    if (report)
      this.local.onWritePhase = (write, from, cause) =>
        report({ type: 'write', url, version: write.id, from, to: write.phase, cause });
  }

  /** The current value (confirmed + pending local edits), or undefined before the first snapshot. */
  getSnapshot = (): T | undefined => this.local.view as T | undefined;

  getStatus = (): ResourceStatus => this.status;

  /** Resolves once the first value has arrived. Awaiting it connects the resource. */
  get ready(): Promise<void> {
    if (!this.readyPromise) {
      this.readyPromise = new Promise<void>((resolve, reject) => {
        this.resolveReady = resolve;
        this.rejectReady = reject;
      });
      this.readyPromise.catch(() => {}); // a refusal also shows in status; don't make it unhandled
      if (this.local.loaded) this.resolveReady!();
    }
    this.activate();
    if (!this.hasListeners()) this.scheduleRelease();
    return this.readyPromise;
  }

  /**
   * Changes the value: an immer recipe (`d => { d.x = 1 }`) or a new value. Shown at once, sent as json range
   * patches, reconciled with concurrent writes by the server. Before the first value arrives, edits wait for it.
   *
   * The promise resolves once the server has confirmed the write (its version came back as the server's), and
   * rejects with a BraidError when the server refused it ('rejected'), a concurrent edit overrode all of it
   * ('conflict'), or the client closed first ('closed'). Ignoring it is fine: it never rejects unhandled.
   * A value JSON cannot carry throws at once ('invalid'), nothing changed.
   */
  set = (action: SetAction<T>): Promise<void> => {
    if (this.connection.phase === 'closed')
      throw new BraidError('rejected', this.url, 'the client is closed');
    const { promise, waiter } = writePromise();
    if (!this.local.loaded) {
      // A plain value is checked now (a recipe can only run once the first value is here).
      if (typeof action !== 'function') action = this.normalize(action, undefined) as T;
      this.waitingSets.push({ action, waiter });
      this.activate();
      this.updateStatus({});
      return promise;
    }
    if (!this.edit(action, waiter)) waiter.resolve();
    return promise;
  };

  /**
   * Undoes this client's latest edit (one `set` call) as a new write: its exact inverse, transformed over
   * everything that changed since, so edits of others made since stay. Resolves like `set` once the server
   * confirmed it (at once when there is nothing to undo).
   */
  undo = (): Promise<void> => this.step('undo');

  /** Applies again the latest undone edit (until a new edit clears the redo steps), as a new write. */
  redo = (): Promise<void> => this.step('redo');

  private step(kind: 'undo' | 'redo'): Promise<void> {
    const { promise, waiter } = writePromise();
    import('./undoStep').then(({ takeStep }) => {
      const prev = this.local.view;
      const stack = kind === 'undo' ? this.history.undos : this.history.redos;
      const patches = this.local.loaded ? takeStep(stack, prev) : undefined;
      if (!patches || !this.commit(prev, applyJsonPatches(prev, patches), patches, waiter, kind))
        waiter.resolve();
      this.updateStatus({});
    }, waiter.reject);
    return promise;
  }

  /** Applies one edit to the view and buffers it; false when it changes nothing. */
  private edit(action: SetAction<T>, waiter: WriteWaiter): boolean {
    const prev = this.local.view as T;
    const produced =
      typeof action === 'function' ? produce(prev, action as (draft: T) => T | undefined) : action;
    if (produced === prev) return false;
    // Exactly what the server will store (no -0, undefined members, Dates...), or a throw: nothing changed.
    const next = this.normalize(produced, prev);
    let patches = diffJson(prev, next);
    if (patches.length === 0) return false;
    if (typeof action !== 'function' && patches.length >= SNAPSHOT_CHECK_PATCHES)
      patches = smallerOf(patches, next);
    // One change too big for one write goes as one replacement of the container it changed: atomic, and
    // smaller than its patches (a recipe touching 200,000 items).
    if (patches.length > MAX_PATCHES_PER_WRITE) patches = collapsePatches(patches, next);
    return this.commit(prev, next, patches, waiter, 'edit');
  }

  private commit(
    prev: unknown,
    next: unknown,
    patches: JsonPatch[],
    waiter: WriteWaiter,
    kind: EditKind,
  ): boolean {
    if (patches.length === 0) return false;
    this.history.record({ prev, patches, next }, kind);
    this.local.localEdit(next, patches, waiter);
    this.updateStatus({}, true);
    this.scheduleFlush();
    // Released (no listeners, the grace period over): the edit reconnects it until the server confirms it.
    if (!this.running) {
      this.activate();
      if (!this.hasListeners()) this.scheduleRelease();
    }
    return true;
  }

  private normalize(value: unknown, prev: unknown): unknown {
    try {
      return toJsonValue(value, prev);
    } catch (error) {
      throw new BraidError('invalid', this.url, (error as Error).message, { cause: error });
    }
  }

  // ---- the machines: every phase change goes through dispatch ----

  private dispatch(event: ConnectionEvent): void {
    const prev = this.connection;
    const next = connectionReducer(prev, event);
    if (next === prev) return;
    this.connection = next;
    if (prev.phase !== next.phase)
      this.ctx.onEvent?.({
        type: 'connection',
        url: this.url,
        from: prev.phase,
        to: next.phase,
        cause: event.type,
      });
    const state = publicConnectionState(next, this.local.loaded);
    // Going live clears the last error (a rejected write's too); a drop with a reason or a refusal sets it.
    this.updateStatus(
      event.type === 'live' || next.error !== prev.error ? { state, error: next.error } : { state },
    );
  }

  // ---- lifecycle: connect on the first listener, release a grace period after the last one leaves ----

  protected override onSubscribe(): void {
    this.activate();
  }

  protected override onUnsubscribe(): void {
    if (!this.hasListeners()) this.scheduleRelease();
  }

  private activate(): void {
    if (this.connection.phase === 'closed') return;
    this.ctx.timers.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (!this.running) {
      this.running = new AbortController();
      this.dispatch({ type: 'start' });
      if (this.ctx.persistence) this.restoring ??= this.restore();
      this.ctx.lifecycle(this as ClientResource<unknown>, 'active');
      void this.connectionLoop(this.running.signal);
    }
  }

  private scheduleRelease(): void {
    this.ctx.timers.clearTimeout(this.graceTimer);
    this.graceTimer = this.ctx.timers.setTimeout(() => {
      this.graceTimer = undefined;
      // Unsent edits keep the connection until the server has them.
      if (this.hasListeners()) return;
      const awaited = this.readyPromise && !this.local.loaded && this.connection.phase !== 'failed';
      if (this.local.pending > 0 || this.waitingSets.length > 0 || awaited) return this.scheduleRelease();
      this.deactivate();
      this.ctx.lifecycle(this as ClientResource<unknown>, 'released');
    }, this.ctx.gracePeriodMs);
  }

  private deactivate(): void {
    this.running?.abort();
    this.running = undefined;
    this.stream?.abort();
    this.dispatch({ type: 'release' });
  }

  /** Stops everything for good (client.close()). Writes the server has not confirmed reject ('closed'). */
  close(): void {
    this.ctx.timers.clearTimeout(this.graceTimer);
    this.ctx.timers.clearTimeout(this.echoTimer);
    this.running?.abort();
    this.running = undefined;
    this.stream?.abort();
    this.dispatch({ type: 'close' });
    this.persisted?.close();
    const error = new BraidError('closed', this.url, 'the client closed before the write was confirmed');
    for (const waiter of [
      ...(this.local.inflight?.waiters ?? []),
      ...this.local.bufferWaiters,
      ...this.waitingSets.map((s) => s.waiter),
    ])
      waiter.reject(error);
    this.ctx.lifecycle(this as ClientResource<unknown>, 'closed');
  }

  /** The browser's online/offline events (from the client). */
  networkChanged(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.stream?.abort();
      this.dispatch({ type: 'offline' });
    } else this.wakeUp?.();
  }

  // ---- the connection loop: settle the write in doubt, subscribe (resuming), read, back off, repeat ----

  private async connectionLoop(signal: AbortSignal): Promise<void> {
    if (this.restoring) await this.restoring;
    while (!signal.aborted) {
      if (!this.ctx.isOnline()) {
        this.dispatch({ type: 'offline' });
        await this.wake(signal);
        continue;
      }
      this.dispatch({ type: 'connect' });
      const outcome = await this.attempt(signal);
      if (signal.aborted) break;
      if (outcome.kind === 'refused') {
        this.running = undefined;
        this.dispatch({ type: 'refused', error: outcome.error });
        this.reportError(outcome.error);
        this.rejectReady?.(outcome.error);
        return;
      }
      if (outcome.error && !this.ctx.isOnline()) continue; // the network is down: wait for 'online', not a backoff
      this.dispatch({ type: 'dropped', error: outcome.error, retryAfterMs: outcome.retryAfterMs });
      const wait = Math.max(
        this.connection.retryAfterMs ?? 0,
        backoffDelay(this.connection.attempt, this.ctx.retry),
      );
      await Promise.race([sleep(wait, signal, this.ctx.timers), this.wake(signal)]);
      this.wakeUp?.(); // the backoff won: settle the wake-up too (its abort listener goes with it)
      if (signal.aborted) break;
      this.dispatch({ type: 'retry' });
    }
  }

  /**
   * With `persist`, before the first connection: shows the last confirmed state this browser saved (also
   * offline), takes over the unconfirmed edits a closed tab (or this page before a reload) left — its write in
   * flight is resent as first sent, under its Version — and replays what further closed tabs left.
   */
  private async restore(): Promise<void> {
    try {
      const persistence = await this.ctx.persistence!();
      if (!persistence.include(this.url)) return;
      this.persisted = await persistence.attach({
        url: this.url,
        fetch: this.ctx.fetch,
        peer: this.ctx.peer,
        headers: () => this.ctx.headers(),
        nextVersionId: this.ctx.nextVersionId,
        report: (error) => this.reportError(error),
        state: this.local,
        restored: () => {
          this.applyWaitingSets();
          this.resolveReady?.();
          this.updateStatus({}, true);
        },
      });
    } catch (error) {
      this.reportError(new BraidError('storage', this.url, `persist: ${describe(error)}`, { cause: error }));
    }
  }

  /** Resolves on the next networkChanged(true), or when the loop is aborted. */
  private wake(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.wakeUp = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakeUp = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One attempt: settle the write in doubt, then subscribe and read until the stream ends. */
  private async attempt(signal: AbortSignal): Promise<AttemptOutcome> {
    const unanswered = await this.settleInflight();
    if (unanswered) return { kind: 'dropped', error: unanswered };
    return this.subscribeOnce(signal);
  }

  private async subscribeOnce(signal: AbortSignal): Promise<AttemptOutcome> {
    const stream = new AbortController();
    this.stream = stream;
    const stop = () => stream.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const headers: Record<string, string> = {
        ...(await this.ctx.headers()),
        Subscribe: 'true',
        Accept: 'application/json',
      };
      const confirmed = this.local.confirmed;
      if (confirmed?.version.length && !this.connection.resync)
        headers.Parents = formatVersions(confirmed.version);
      if (this.ctx.heartbeats > 0) headers.Heartbeats = `${this.ctx.heartbeats}s`;
      const head = await this.awaitHead(
        this.reported('GET', true, undefined, () =>
          this.ctx.subscribeFetch(this.url, { headers, signal: stream.signal, cache: 'no-store' }),
        ),
        stream.signal,
      );
      if (!(head instanceof Response)) return head;
      const response = head;
      this.dispatch({ type: 'answered' });
      if (response.status !== 209 && !response.ok) return await this.refusal(response);
      if (!response.body)
        return {
          kind: 'dropped',
          error: new BraidError('protocol', this.url, 'the subscription response has no body'),
        };
      this.dispatch({ type: 'resynced' });
      if (response.status !== 209) {
        // Not a Braid server (no subscriptions): take the body as a snapshot and poll after a backoff.
        const body = new Uint8Array(await response.arrayBuffer());
        this.receive({ version: readVersion(response), parents: [], headers: {}, body }, true);
        this.dispatch({ type: 'delivered' });
        this.goLive();
        return { kind: 'dropped' };
      }
      this.goLive();
      let opensStream = true;
      await readSubscription(
        response,
        (update) => {
          this.receive(update, opensStream);
          // The backoff starts over only once a stream delivered a valid update (a 209 that then fails at once
          // is retried with growing delays, not at the base delay forever).
          if (opensStream) this.dispatch({ type: 'delivered' });
          opensStream = false;
        },
        stop,
        this.ctx.timers,
      );
      if (signal.aborted) return { kind: 'dropped' };
      return { kind: 'dropped', error: new BraidError('network', this.url, 'the subscription ended') };
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'BraidProtocolError' || (error instanceof BraidError && error.kind === 'protocol')) {
        // We cannot trust our confirmed state any more: start over from a snapshot.
        this.dispatch({ type: 'resync' });
        return {
          kind: 'dropped',
          error: new BraidError('protocol', this.url, (error as Error).message, { cause: error }),
        };
      }
      return {
        kind: 'dropped',
        error: new BraidError('network', this.url, describe(error), { cause: error }),
      };
    } finally {
      signal.removeEventListener('abort', stop);
      if (this.stream === stream) this.stream = undefined;
      stream.abort();
    }
  }

  private goLive(): void {
    this.dispatch({ type: 'live' });
    this.scheduleFlush();
  }

  /**
   * Waits for a subscription's head, but not blindly: some Braid servers (braidify) send no byte of a 209 until
   * their next update, so a client that is already current hears nothing. Every `headTimeoutMs` a plain GET asks
   * whether the server is there and at our version: then we are live (writes go out, and the head comes with
   * the next update, ours included); at another version the server has something to send, so the head is only
   * slow and we keep waiting (with buffered writes going out); no answer at all, and the subscription is retried.
   */
  private async awaitHead(
    response: Promise<Response>,
    signal: AbortSignal,
  ): Promise<Response | AttemptOutcome> {
    response.catch(() => {}); // when we give up on it below, its rejection is nobody's business
    const { timers } = this.ctx;
    for (;;) {
      let timer: unknown;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = timers.setTimeout(() => resolve('timeout'), this.ctx.headTimeoutMs);
      });
      const first = await Promise.race([response, timedOut]).finally(() => timers.clearTimeout(timer));
      if (first !== 'timeout') return first;
      if (signal.aborted) return response;
      const current = await this.serverVersion(signal);
      if (signal.aborted) return response;
      if (current === undefined) {
        const error = new BraidError(
          'network',
          this.url,
          'the subscription sent no head, and a GET got no answer',
        );
        return { kind: 'dropped', error };
      }
      this.dispatch({ type: 'answered' });
      this.scheduleFlush(); // the server answers: buffered writes go out
      // At our version, nothing is coming until the next update: we are live. At another version (or before
      // the first value), the server has something to send, so the head is only slow: keep waiting.
      const confirmed = this.local.confirmed?.version;
      if (confirmed && sameVersion(current, confirmed) && this.connection.phase !== 'live') this.goLive();
    }
  }

  /** The server's current version by a plain GET, or undefined when it does not answer 2xx. */
  private async serverVersion(signal: AbortSignal): Promise<string[] | undefined> {
    try {
      const headers = { ...(await this.ctx.headers()), Accept: 'application/json' };
      const res = await this.reported('GET', false, undefined, () =>
        this.ctx.fetch(this.url, { method: 'GET', headers, cache: 'no-store', signal }),
      );
      await res.arrayBuffer().catch(() => {});
      return res.ok ? readVersion(res) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs one request, reporting it and its answer to onEvent (when someone listens). */
  private async reported(
    method: 'GET' | 'PUT',
    subscribe: boolean,
    version: string | undefined,
    run: () => Promise<Response>,
  ): Promise<Response> {
    const report = this.ctx.onEvent;
    if (!report) return run();
    const request = { url: this.url, method, subscribe, version };
    report({ type: 'request', ...request });
    try {
      const response = await run();
      report({ type: 'response', ...request, status: response.status });
      return response;
    } catch (error) {
      report({ type: 'request-failed', ...request, message: describe(error) });
      throw error;
    }
  }

  /** Maps a non-success answer to what the loop does next: retry (maybe later), or stop. */
  private async refusal(response: Response): Promise<AttemptOutcome> {
    const reason = (await response.text().catch(() => '')).trim().slice(0, 300);
    const message = `${response.status} ${reason || response.statusText}`.trim();
    const error = new BraidError('http', this.url, message, { status: response.status });
    if (RETRYABLE_STATUS.has(response.status) || response.status >= 500) {
      return { kind: 'dropped', error, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) };
    }
    return { kind: 'refused', error };
  }

  // ---- receiving ----

  /**
   * One update from a subscription. A body that opens the stream is a snapshot (the first value, or a resume the
   * server answered whole); a body later in the stream is a version like any other that replaces the whole
   * document (a snapshot write, a revert): it is bridged like patches, and may be our own write's echo.
   */
  private receive(update: Update, opensStream: boolean): void {
    let reception: Reception;
    const snapshot = !!update.body && !this.isWholeDocumentVersion(update, opensStream);
    if (snapshot) {
      const value = parseJsonContent(update.body!, 512);
      const firstValue = !this.local.loaded;
      reception = this.local.receiveSnapshot(update.version, value);
      if (firstValue) this.applyWaitingSets();
      this.resolveReady?.();
      this.scheduleFlush(); // a write re-based on it (after a 409) goes again now, not at the next edit
    } else if (update.body || update.patches) {
      if (!this.local.loaded)
        throw new BraidError('protocol', this.url, 'a patch arrived before any snapshot');
      const patches: JsonPatch[] = update.body
        ? [{ range: '', content: parseJsonContent(update.body, 512) }]
        : update.patches!.map((p) => {
            if (p.unit !== 'json')
              throw new BraidError('protocol', this.url, `unsupported range unit ${p.unit}`);
            const content = parseJsonContent(p.content, 512);
            return content === undefined ? { range: p.range } : { range: p.range, content };
          });
      const result = this.local.receivePatches(update.version, patches);
      if (result.ours) this.scheduleFlush();
      reception = result;
    } else return;
    this.settleOverridden(reception);
    if (reception.dropped > 0) this.reportConflict(reception.dropped);
    this.updateStatus({}, true);
  }

  /** A body that follows on from what we hold (its Parents are our version, or it is not the stream's first). */
  private isWholeDocumentVersion(update: Update, opensStream: boolean): boolean {
    const confirmed = this.local.confirmed;
    if (!confirmed) return false;
    if (update.parents.length === 0) return !opensStream;
    return sameVersion(update.parents, confirmed.version);
  }

  private applyWaitingSets(): void {
    const sets = this.waitingSets;
    this.waitingSets = [];
    for (const { action, waiter } of sets) {
      try {
        if (!this.edit(action, waiter)) waiter.resolve();
      } catch (error) {
        // A recipe that produced something JSON cannot carry: that write fails, the others go on.
        waiter.reject(error as BraidError);
      }
    }
  }

  /** `set` calls whose every patch a concurrent edit overrode: nothing of them reaches the server. */
  private settleOverridden(reception: Reception): void {
    if (reception.overridden.length === 0) return;
    const error = new BraidError('conflict', this.url, 'write overridden by a concurrent edit');
    for (const waiter of reception.overridden) waiter.reject(error);
  }

  private reportConflict(dropped: number): void {
    const message = `${dropped} local change${dropped === 1 ? ' was' : 's were'} overridden by a concurrent edit`;
    this.reportError(new BraidError('conflict', this.url, message));
  }

  /** Listens for errors of this resource: rejected writes, conflicts, refusals. Returns the unsubscribe. */
  onError(listener: (error: BraidError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  private reportError(error: BraidError): void {
    for (const listener of [...this.errorListeners]) listener(error);
    this.ctx.reportError(error);
  }

  // ---- writing: one write in flight, the rest buffered ----

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      if (!this.canWrite() || this.sending) return;
      const inflight = this.local.inflight;
      // A re-based write (after a 409 and a fresh snapshot) goes again; otherwise the buffer takes off.
      const write = inflight
        ? inflight.phase === 'queued'
          ? inflight
          : null
        : this.local.takeWrite(this.ctx.nextVersionId, MAX_PATCHES_PER_WRITE);
      if (!write) return;
      if (write !== inflight) this.updateStatus({}); // a new pending version
      void this.send(write);
    });
  }

  /** Writes go out once the server is known to answer (a live stream, or an answer in this connection attempt). */
  private canWrite(): boolean {
    const { phase, serverAnswers } = this.connection;
    return phase === 'live' || (serverAnswers && this.local.loaded && !!this.running);
  }

  /**
   * Before (re)subscribing, find out whether the server has the write in doubt (same Version: retries are safe).
   * Returns why it got no answer, if it did not.
   */
  private async settleInflight(): Promise<BraidError | undefined> {
    if (this.sending) await this.sending;
    const write = this.local.inflight;
    // Sent without an answer (the loop stopped during a Retry-After): it goes again, as first sent.
    if (write?.phase === 'sending') this.local.writeEvent(write, { type: 'unanswered' });
    return write?.phase === 'queued' ? this.send(write) : undefined;
  }

  private send(write: InflightWrite): Promise<BraidError | undefined> {
    const sending = this.sendOnce(write)
      .catch(
        (error: unknown) =>
          new BraidError('network', this.url, `write failed: ${describe(error)}`, { cause: error }),
      )
      .finally(() => {
        if (this.sending !== sending) return;
        this.sending = undefined;
        this.scheduleFlush(); // whatever was buffered behind it (or a re-based resend) goes next
      });
    this.sending = sending;
    return sending;
  }

  /** One PUT of the write (and its resends under Retry-After or a new id). Returns why it got no answer. */
  private async sendOnce(write: InflightWrite): Promise<BraidError | undefined> {
    this.local.writeEvent(write, {
      type: 'send',
      request: { parents: this.local.confirmed!.version, patches: write.patches },
    });
    if (this.persisted) {
      // Stored before it is sent: after a reload it goes again exactly like this.
      this.persisted.changed(true);
      await this.persisted.flushBeforeSend();
    }
    const sent = write.request!;
    const request = encodeWrite(write.id, sent.parents, sent.patches);
    const version = write.id;
    let response: Response;
    let reason: string;
    const unanswered = new AbortController();
    const { timers } = this.ctx;
    const timer = timers.setTimeout(() => unanswered.abort(), this.ctx.writeTimeoutMs);
    try {
      const headers = { ...(await this.ctx.headers()), ...request.headers, Peer: this.ctx.peer };
      response = await this.reported('PUT', false, version, () =>
        this.ctx.fetch(this.url, {
          method: 'PUT',
          headers,
          body: request.body as BodyInit,
          signal: unanswered.signal,
        }),
      );
      reason = (await response.text()).trim().slice(0, 300);
    } catch (error) {
      // Not a rejection: the write stays pending and is resent with the same Version (and the same request).
      const why = unanswered.signal.aborted ? `no answer in ${this.ctx.writeTimeoutMs} ms` : describe(error);
      this.local.writeEvent(write, { type: 'unanswered' });
      this.dispatch({ type: 'write-unanswered' });
      this.stream?.abort();
      return new BraidError('network', this.url, `write failed: ${why}`, { cause: error });
    } finally {
      timers.clearTimeout(timer);
    }
    this.dispatch({ type: 'answered' });
    if (this.local.inflight !== write) return undefined; // its echo already arrived
    if (response.ok) {
      this.local.writeEvent(write, { type: 'ok' });
      this.awaitEcho(write);
      return undefined;
    }
    if (response.status === 409 && VERSION_TAKEN.test(reason)) return this.renamed(write, reason);
    if (response.status === 409) {
      // The server no longer knows our Parents (so it does not have this write): re-subscribe for a fresh
      // snapshot, re-base, resend.
      this.local.writeEvent(write, { type: 'conflict' });
      this.dispatch({ type: 'resync' });
      this.stream?.abort();
      return undefined;
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      const delay = parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(1, this.ctx.retry);
      await sleep(delay, this.running?.signal, timers);
      this.local.writeEvent(write, { type: 'unanswered' });
      if (this.local.inflight === write && this.running) return this.sendOnce(write);
      return undefined;
    }
    this.local.writeEvent(write, { type: 'refused' });
    const message = `write refused: ${response.status} ${reason || response.statusText}`;
    this.rejectWrite(new BraidError('rejected', this.url, message, { status: response.status }));
    return undefined;
  }

  /**
   * Another write holds this write's Version (a reused peer id, or someone who saw our ids and wrote first): the
   * same write goes again under a new id, and the clash is reported. Bounded (the write machine refuses after
   * MAX_RENAMES), so a server that answers this to everything ends in a rejected write, not a loop.
   */
  private renamed(write: InflightWrite, reason: string): Promise<BraidError | undefined> | undefined {
    const error = new BraidError('version-taken', this.url, `write ${write.id}: ${reason}`, { status: 409 });
    this.reportError(error);
    // The machine refuses past MAX_RENAMES; no id is spent on a write it will refuse.
    const canRename = write.renames < MAX_RENAMES;
    this.local.writeEvent(write, {
      type: 'version-taken',
      newId: canRename ? this.ctx.nextVersionId() : write.id,
    });
    if (write.phase === 'rejected') {
      this.rejectWrite(new BraidError('rejected', this.url, `write refused: ${reason}`, { status: 409 }));
      return undefined;
    }
    this.updateStatus({}); // its pending version changed
    return this.sendOnce(write);
  }

  /**
   * An acknowledged write's echo comes on the subscription right behind the answer. If it does not come (the
   * stream is stuck, or a server that does not echo), the write is settled by a fresh snapshot, which holds it.
   */
  private awaitEcho(write: InflightWrite): void {
    const { timers } = this.ctx;
    timers.clearTimeout(this.echoTimer);
    this.echoTimer = timers.setTimeout(() => {
      if (this.local.inflight !== write || !this.running) return;
      this.dispatch({ type: 'resync' });
      this.stream?.abort();
    }, this.ctx.echoTimeoutMs);
  }

  private rejectWrite(error: BraidError): void {
    const reception = this.local.rejectInflight();
    for (const waiter of reception.rejected) waiter.reject(error);
    this.settleOverridden(reception);
    this.updateStatus({ error }, true);
    this.reportError(error);
    this.scheduleFlush();
  }

  // ---- status ----

  /** Recomputes the status; notifies listeners when it changed, or always when the value changed too. */
  private updateStatus(
    change: { state?: ConnectionState | undefined; error?: BraidError | undefined },
    valueChanged = false,
  ): void {
    const prev = this.status;
    // Unconfirmed edits are saved at once, a change of the confirmed state alone in a while.
    this.persisted?.changed(this.local.pending > 0 || prev.pending > 0);
    // At most one write is in flight: the array is kept while its id is the same (status identity is change).
    const id = this.local.inflight?.id;
    const pendingVersions = id === prev.pendingVersions[0] ? prev.pendingVersions : id ? [id] : NO_VERSIONS;
    const next: ResourceStatus = {
      state: change.state ?? prev.state,
      version: this.local.confirmed?.version,
      pending: this.local.pending + this.waitingSets.length,
      pendingVersions,
      canUndo: this.history.undos.length > 0,
      canRedo: this.history.redos.length > 0,
      error: 'error' in change ? change.error : prev.error,
    };
    if (
      prev.state === next.state &&
      prev.version === next.version &&
      prev.pending === next.pending &&
      prev.pendingVersions === next.pendingVersions &&
      prev.canUndo === next.canUndo &&
      prev.canRedo === next.canRedo &&
      prev.error === next.error
    ) {
      if (valueChanged) this.emit();
      return;
    }
    if (next.error === undefined) delete next.error;
    if (next.version === undefined) delete next.version;
    this.status = next;
    this.emit();
  }
}

/** A promise for one `set` call, already handled (ignoring it never makes an unhandled rejection). */
function writePromise(): { promise: Promise<void>; waiter: WriteWaiter } {
  let waiter!: WriteWaiter;
  const promise = new Promise<void>((resolve, reject) => {
    waiter = { resolve, reject };
  });
  promise.catch(() => {});
  return { promise, waiter };
}
