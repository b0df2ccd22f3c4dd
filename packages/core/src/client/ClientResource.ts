import type { ClientPersistence, ResourcePersistence } from '../persist/ClientPersistence';
import { parseJsonContent } from '../protocol/jsonContent';
import type { JsonPatch, Update } from '../protocol/types';
import { formatVersions } from '../protocol/versions';
import { BraidError } from './BraidError';
import { backoffDelay, parseRetryAfter, RETRYABLE_STATUS } from './backoff';
import type { BraidClientEvent } from './events';
import {
  type ConnectionEvent,
  type ConnectionMachineState,
  connectionReducer,
  initialConnection,
  publicConnectionState,
} from './machine/connectionMachine';
import type { Timers } from './machine/timers';
import { ReadState, type Reception, type WriteWaiter } from './ReadState';
import type { ResourceWriter } from './ResourceWriter';
import { readSubscription } from './readSubscription';
import { Subscribable } from './Subscribable';
import { sleep } from './sleep';
import type { ConnectionState, FetchLike, ResourceStatus, SetAction } from './types';
import { describe, readVersion, sameVersion } from './wire';

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
  /**
   * The local state: what the server sent, and once the write path is loaded (ResourceWriter) the write in
   * flight and the buffered edits on top of it (OptimisticState): what the UI sees.
   * @internal The write path's (ResourceWriter).
   */
  local: ReadState = new ReadState();
  /** @internal The write path's (ResourceWriter). */
  connection: ConnectionMachineState = initialConnection;
  private status: ResourceStatus = {
    state: 'connecting',
    pending: 0,
    pendingVersions: NO_VERSIONS,
    canUndo: false,
    canRedo: false,
  };
  /** The write path (its own chunk), once loaded: edits, PUTs, undo. */
  declare private writer?: ResourceWriter<T>;
  declare private loadingWriter?: Promise<ResourceWriter<T>>;
  /** `set` calls made before the first value arrived or the write path loaded (a recipe needs both to run). */
  private waitingSets: { action: SetAction<T>; waiter: WriteWaiter }[] = [];
  /** @internal The running loop's abort (present exactly while a loop runs). The write path's. */
  declare running?: AbortController;
  /** @internal The current subscription's abort. The write path's. */
  declare stream?: AbortController;
  declare private graceTimer?: unknown;
  declare private readyPromise?: Promise<void>;
  declare private resolveReady?: () => void;
  declare private rejectReady?: (error: BraidError) => void;
  declare private wakeUp?: () => void;
  private errorListeners = new Set<(error: BraidError) => void>();
  /**
   * With `persist`: saves this resource's replica; `restoring` runs once, before the first connection.
   * @internal The write path's too.
   */
  declare persisted?: ResourcePersistence;
  declare private restoring?: Promise<void>;

  constructor(
    readonly url: string,
    /** @internal The write path's (ResourceWriter). */
    readonly ctx: ResourceContext,
  ) {
    super();
  }

  /**
   * The current value (confirmed + pending local edits), or undefined before the first snapshot. With `persist`,
   * other tabs' unconfirmed edits show over it (tabs/ForeignEdits.ts).
   */
  getSnapshot = (): T | undefined =>
    (this.persisted?.foreign?.view(this.local) ?? this.local.view) as T | undefined;

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
   * patches, reconciled with concurrent writes by the server. Before the first value arrives (or the write path's
   * chunk, when it is still loading), edits wait for it, counted in `pending`.
   *
   * The promise resolves once the server has confirmed the write (its version came back as the server's), and
   * rejects with a BraidError when the server refused it ('rejected'), a concurrent edit overrode all of it
   * ('conflict'), or the client closed first ('closed'). Ignoring it is fine: it never rejects unhandled.
   * A value JSON cannot carry throws at once ('invalid'), nothing changed; made before the write path (a chunk
   * prefetched by the first subscription) arrived, it rejects with that error instead, also told to onError.
   */
  set = (action: SetAction<T>): Promise<void> => {
    if (this.connection.phase === 'closed')
      throw new BraidError('rejected', this.url, 'the client is closed');
    const { promise, waiter } = writePromise();
    const writer = this.writer;
    if (writer && this.local.loaded) {
      if (!writer.edit(action, waiter)) waiter.resolve();
      return promise;
    }
    // A plain value is checked now when it can be (a recipe can only run once the first value is here).
    if (writer && typeof action !== 'function') action = writer.normalize(action, undefined) as T;
    this.waitingSets.push({ action, waiter });
    this.activate();
    this.prepareWrites();
    this.updateStatus({});
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
    this.loadWriter()
      .then((writer) => writer.step(kind, waiter))
      .catch(waiter.reject);
    return promise;
  }

  /**
   * Loads the write path (once: the first activation prefetches it, so it is usually here before the first
   * edit), then applies the `set` calls that waited for it. A failed chunk load loses nothing: the calls keep
   * waiting (counted in `pending`), the failure is reported, and the next edit or connection attempt loads again.
   */
  private prepareWrites(): void {
    this.loadWriter().then(
      () => this.applyWaitingSets(),
      () => {},
    );
  }

  private loadWriter(): Promise<ResourceWriter<T>> {
    if (this.writer) return Promise.resolve(this.writer);
    this.loadingWriter ??= loadWriteChunk().then(
      (m) => (this.writer ??= new m.ResourceWriter(this)),
      (error: unknown) => {
        this.loadingWriter = undefined;
        if (this.waitingSets.length)
          this.reportError(
            new BraidError('network', this.url, `the write path did not load: ${describe(error)}`, {
              cause: error,
            }),
          );
        throw error;
      },
    );
    return this.loadingWriter;
  }

  // ---- the machines: every phase change goes through dispatch ----

  /** @internal The write path's (ResourceWriter). */
  dispatch(event: ConnectionEvent): void {
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

  /** @internal The write path's (ResourceWriter). */
  activate(): void {
    if (this.connection.phase === 'closed') return;
    this.ctx.timers.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (!this.running) {
      this.running = new AbortController();
      this.dispatch({ type: 'start' });
      if (this.ctx.persistence) this.restoring ??= this.restore();
      this.ctx.lifecycle(this as ClientResource<unknown>, 'active');
      void this.connectionLoop(this.running.signal);
      this.prepareWrites(); // prefetched: most pages edit what they show
    }
  }

  /** @internal The write path's (ResourceWriter). */
  scheduleRelease(): void {
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
    this.writer?.close();
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
    this.waitingSets = [];
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
      // What it restores may hold unconfirmed edits: they live in the write path's state.
      const { local } = await this.loadWriter();
      this.persisted = await persistence.attach(
        this.url,
        this.ctx,
        local,
        (error) => this.reportError(error),
        (restored) => {
          if (restored) {
            this.applyWaitingSets();
            this.resolveReady?.();
          }
          this.updateStatus({}, true);
        },
      );
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
    if (this.waitingSets.length && !this.writer) this.prepareWrites(); // its chunk failed to load: again
    const unanswered = await this.writer?.settleInflight();
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
      const deliver = (update: Update) => {
        this.receive(update, opensStream);
        // The backoff starts over only once a stream delivered a valid update (a 209 that then fails at once
        // is retried with growing delays, not at the base delay forever).
        if (opensStream) this.dispatch({ type: 'delivered' });
        opensStream = false;
      };
      await readSubscription(
        response,
        // Patches are applied by the write path's code (its chunk, prefetched by activate): an update that
        // needs it before it is here holds the stream (later updates wait behind it, in order). A failed load
        // ends the stream; so does a cut while it waits, and then no update behind it applies either: the next
        // stream resumes from what was applied.
        (update) => {
          if (stream.signal.aborted) return;
          if (this.writer || !this.needsPatches(update, opensStream)) return deliver(update);
          return this.loadWriter().then(() => {
            if (!stream.signal.aborted) deliver(update);
          });
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
    this.writer?.flush();
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
      this.writer?.flush(); // the server answers: buffered writes go out
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
  /** @internal The write path's (ResourceWriter). */
  async reported(
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
    if (!this.needsPatches(update, opensStream)) {
      const value = parseJsonContent(update.body!, 512);
      const firstValue = !this.local.loaded;
      reception = this.local.receiveSnapshot(update.version, value);
      if (firstValue) this.applyWaitingSets();
      this.resolveReady?.();
      this.writer?.flush(); // a write re-based on it (after a 409) goes again now, not at the next edit
    } else {
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
      const writer = this.writer!; // subscribeOnce waited for it
      const result = writer.local.receivePatches(update.version, patches);
      if (result.ours) writer.flush();
      reception = result;
    }
    this.settleOverridden(reception);
    if (reception.dropped > 0) this.reportConflict(reception.dropped);
    this.updateStatus({}, true);
  }

  /** Whether an update changes what we hold by patches (or a whole-document version), not as a snapshot. */
  private needsPatches(update: Update, opensStream: boolean): boolean {
    return !update.body || this.isWholeDocumentVersion(update, opensStream);
  }

  /** A body that follows on from what we hold (its Parents are our version, or it is not the stream's first). */
  private isWholeDocumentVersion(update: Update, opensStream: boolean): boolean {
    const confirmed = this.local.confirmed;
    if (!confirmed) return false;
    if (update.parents.length === 0) return !opensStream;
    return sameVersion(update.parents, confirmed.version);
  }

  /** Applies the `set` calls that waited, once both the first value and the write path are here. */
  private applyWaitingSets(): void {
    const writer = this.writer;
    if (!writer || !this.local.loaded) return;
    const sets = this.waitingSets;
    this.waitingSets = [];
    for (const { action, waiter } of sets) {
      try {
        if (!writer.edit(action, waiter)) waiter.resolve();
      } catch (error) {
        // A value JSON cannot carry: that write fails (reported: its promise may be ignored), the others go on.
        waiter.reject(error as BraidError);
        this.reportError(error as BraidError);
      }
    }
    this.updateStatus({});
  }

  /** `set` calls whose every patch a concurrent edit overrode: nothing of them reaches the server. */
  /** @internal The write path's (ResourceWriter). */
  settleOverridden(reception: Reception): void {
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

  /** @internal The write path's (ResourceWriter). */
  reportError(error: BraidError): void {
    for (const listener of [...this.errorListeners]) listener(error);
    this.ctx.reportError(error);
  }

  // ---- status ----

  /** Recomputes the status; notifies listeners when it changed, or always when the value changed too. */
  /** @internal The write path's (ResourceWriter). */
  updateStatus(
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
      canUndo: !!this.writer?.history.undos.length,
      canRedo: !!this.writer?.history.redos.length,
      error: 'error' in change ? change.error : prev.error,
    };
    if (next.error === undefined) delete next.error;
    if (next.version === undefined) delete next.version;
    if (sameFields(prev, next)) {
      if (valueChanged) this.emit();
      return;
    }
    this.status = next;
    this.emit();
  }
}

/** Two statuses with the same fields, each the same value (status identity is change). */
function sameFields(a: ResourceStatus, b: ResourceStatus): boolean {
  const keys = Object.keys(a) as (keyof ResourceStatus)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
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

/** The write path is a chunk of its own, loaded by the first resource used (server renders never load it). */
let writeChunk: Promise<typeof import('./ResourceWriter')> | undefined;
const loadWriteChunk = () =>
  (writeChunk ??= import('./ResourceWriter').catch((error) => {
    writeChunk = undefined; // a failed chunk load is retried with the next attempt
    throw error;
  }));
