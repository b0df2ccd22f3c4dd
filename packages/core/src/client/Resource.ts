import { produce } from 'immer';
import {
  collapsePatches,
  diffJson,
  formatVersions,
  type JsonPatch,
  parseJsonContent,
  parseVersions,
  type Update,
} from '../protocol/index';
import { BraidError } from './BraidError';
import { backoffDelay, parseRetryAfter, RETRYABLE_STATUS } from './backoff';
import { encodeWrite } from './encodeWrite';
import { toJsonValue } from './jsonValue';
import { type InflightWrite, OptimisticState } from './OptimisticState';
import { readSubscription } from './readSubscription';
import { Subscribable } from './Subscribable';
import { sleep } from './sleep';
import type { ConnectionState, FetchLike, ResourceStatus, SetAction } from './types';

/** What a Resource needs from its client (shared settings, ids, error fan-out). */
export interface ResourceContext {
  fetch: FetchLike;
  /** The fetch for subscriptions (may go through a multiplexer). */
  subscribeFetch: FetchLike;
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
  headers: Record<string, string>;
  nextVersionId(): string;
  isOnline(): boolean;
  reportError(error: BraidError): void;
  /** Connected again, released (no listeners, nothing pending, subscription ended), or closed for good. */
  lifecycle(resource: Resource<unknown>, event: 'active' | 'released' | 'closed'): void;
}

/** Thrown inside the connection loop to stop it (a refusal that retrying will not fix). */
class FatalError extends Error {
  constructor(readonly error: BraidError) {
    super(error.message);
  }
}
/** Thrown inside the connection loop to wait at least `delayMs` before retrying (Retry-After). */
class RetryLater extends Error {
  constructor(
    readonly error: BraidError,
    readonly delayMs?: number,
  ) {
    super(error.message);
  }
}

const MAX_PATCHES_PER_WRITE = 1000;
/** A write whose Version was taken gets a new id at most this many times, then is refused (no loop). */
const MAX_RENAMES = 3;
/** A 409 whose reason starts so means the Version was taken by another write (server/knownVersions.ts). */
const VERSION_TAKEN = /^version taken\b/;
/** A plain value whose diff is this many patches or more is sent whole, when that is smaller. */
const SNAPSHOT_CHECK_PATCHES = 32;

/**
 * One live remote value (one per URL per client): a subscription that reconnects and resumes, optimistic writes
 * reconciled with the server's versions, and a status. Framework-free; React binds to subscribe/getSnapshot.
 */
export class Resource<T = unknown> extends Subscribable<() => void> {
  private state = new OptimisticState();
  private status: ResourceStatus = { state: 'connecting', pending: 0 };
  private waitingSets: SetAction<T>[] = [];
  private running?: AbortController;
  private stream?: AbortController;
  private graceTimer?: ReturnType<typeof setTimeout>;
  private flushQueued = false;
  private sending?: Promise<void>;
  private forceSnapshot = false;
  private readyPromise?: Promise<void>;
  private resolveReady?: () => void;
  private rejectReady?: (error: BraidError) => void;
  private wakeUp?: () => void;
  private closed = false;
  /** The server answered a request of the current connection attempt: buffered writes may go out. */
  private serverAnswers = false;
  private echoTimer?: ReturnType<typeof setTimeout>;
  private errorListeners = new Set<(error: BraidError) => void>();

  constructor(
    readonly url: string,
    private readonly ctx: ResourceContext,
  ) {
    super();
  }

  /** The current value (confirmed + pending local edits), or undefined before the first snapshot. */
  getSnapshot = (): T | undefined => this.state.view as T | undefined;

  getStatus = (): ResourceStatus => this.status;

  /** Resolves once the first value has arrived. Awaiting it connects the resource. */
  get ready(): Promise<void> {
    if (!this.readyPromise) {
      this.readyPromise = new Promise<void>((resolve, reject) => {
        this.resolveReady = resolve;
        this.rejectReady = reject;
      });
      this.readyPromise.catch(() => {}); // a refusal also shows in status; don't make it unhandled
      if (this.state.loaded) this.resolveReady!();
    }
    this.activate();
    if (!this.hasListeners()) this.scheduleRelease();
    return this.readyPromise;
  }

  /**
   * Changes the value: an immer recipe (`d => { d.x = 1 }`) or a new value. Shown at once, sent as json range
   * patches, reconciled with concurrent writes by the server. Before the first value arrives, edits wait for it.
   */
  set = (action: SetAction<T>): void => {
    if (this.closed) throw new BraidError('rejected', this.url, 'the client is closed');
    if (!this.state.loaded) {
      // A plain value is checked now (a recipe can only run once the first value is here).
      if (typeof action !== 'function') action = this.normalize(action, undefined) as T;
      this.waitingSets.push(action);
      this.activate();
      this.updateStatus({});
      return;
    }
    const prev = this.state.view as T;
    const produced =
      typeof action === 'function' ? produce(prev, action as (draft: T) => T | undefined) : action;
    if (produced === prev) return;
    // Exactly what the server will store (no -0, undefined members, Dates...), or a throw: nothing changed.
    const next = this.normalize(produced, prev);
    let patches = diffJson(prev, next);
    if (patches.length === 0) return;
    if (typeof action !== 'function' && patches.length >= SNAPSHOT_CHECK_PATCHES)
      patches = smallerOf(patches, next);
    // One change too big for one write goes as one replacement of the container it changed: atomic, and
    // smaller than its patches (a recipe touching 200,000 items).
    if (patches.length > MAX_PATCHES_PER_WRITE) patches = collapsePatches(patches, next);
    this.state.localEdit(next, patches);
    this.updateStatus({}, true);
    this.scheduleFlush();
    // Released (no listeners, the grace period over): the edit reconnects it until the server confirms it.
    if (!this.running) {
      this.activate();
      if (!this.hasListeners()) this.scheduleRelease();
    }
  };

  private normalize(value: unknown, prev: unknown): unknown {
    try {
      return toJsonValue(value, prev);
    } catch (error) {
      throw new BraidError('invalid', this.url, (error as Error).message, { cause: error });
    }
  }

  // ---- lifecycle: connect on the first listener, release a grace period after the last one leaves ----

  protected override onSubscribe(): void {
    this.activate();
  }

  protected override onUnsubscribe(): void {
    if (!this.hasListeners()) this.scheduleRelease();
  }

  private activate(): void {
    if (this.closed) return;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (!this.running) {
      this.running = new AbortController();
      this.ctx.lifecycle(this as Resource<unknown>, 'active');
      void this.connectionLoop(this.running.signal);
    }
  }

  private scheduleRelease(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      // Unsent edits keep the connection until the server has them.
      if (this.hasListeners()) return;
      const awaited = this.readyPromise && !this.state.loaded && this.status.state !== 'error';
      if (this.state.pending > 0 || this.waitingSets.length > 0 || awaited) return this.scheduleRelease();
      this.deactivate();
      this.ctx.lifecycle(this as Resource<unknown>, 'released');
    }, this.ctx.gracePeriodMs);
  }

  private deactivate(): void {
    this.running?.abort();
    this.running = undefined;
    this.stream?.abort();
  }

  /** Stops everything for good (client.close()). */
  close(): void {
    this.closed = true;
    clearTimeout(this.graceTimer);
    clearTimeout(this.echoTimer);
    this.deactivate();
    this.ctx.lifecycle(this as Resource<unknown>, 'closed');
  }

  /** The browser's online/offline events (from the client). */
  networkChanged(online: boolean): void {
    if (!this.running) return;
    if (!online) {
      this.stream?.abort();
      this.updateStatus({ state: 'offline' });
    } else this.wakeUp?.();
  }

  // ---- the connection loop: settle the write in doubt, subscribe (resuming), read, back off, repeat ----

  private async connectionLoop(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      if (!this.ctx.isOnline()) {
        this.updateStatus({ state: 'offline' });
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.wakeUp = undefined;
        continue;
      }
      let delayMs: number | undefined;
      this.serverAnswers = false;
      try {
        this.updateStatus({ state: this.state.loaded ? 'reconnecting' : 'connecting' });
        await this.settleInflight();
        // The backoff starts over only once a stream delivered a valid update (a 209 that then fails at once
        // is retried with growing delays, not at the base delay forever).
        await this.subscribeOnce(signal, () => {
          attempt = 0;
        });
      } catch (error) {
        if (signal.aborted) break;
        if (!this.ctx.isOnline()) continue; // the network is down: wait for 'online', not for a backoff
        if (error instanceof FatalError) {
          this.fail(error.error);
          this.running = undefined;
          return;
        }
        const braidError =
          error instanceof RetryLater
            ? error.error
            : error instanceof BraidError
              ? error
              : new BraidError('network', this.url, describe(error), { cause: error });
        if (error instanceof RetryLater) delayMs = error.delayMs;
        this.serverAnswers = false;
        this.updateStatus({ state: 'reconnecting', error: braidError });
      }
      if (signal.aborted) break;
      this.updateStatus({ state: 'reconnecting' });
      const wait = Math.max(delayMs ?? 0, backoffDelay(attempt++, this.ctx.retry));
      await Promise.race([
        sleep(wait, signal),
        new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        }),
      ]);
      this.wakeUp = undefined;
    }
  }

  private async subscribeOnce(signal: AbortSignal, onLive: () => void): Promise<void> {
    const stream = new AbortController();
    this.stream = stream;
    const stop = () => stream.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const headers: Record<string, string> = {
        ...this.ctx.headers,
        Subscribe: 'true',
        Accept: 'application/json',
      };
      const confirmed = this.state.confirmed;
      if (confirmed?.version.length && !this.forceSnapshot)
        headers.Parents = formatVersions(confirmed.version);
      if (this.ctx.heartbeats > 0) headers.Heartbeats = `${this.ctx.heartbeats}s`;
      const response = await this.awaitHead(
        this.ctx.subscribeFetch(this.url, { headers, signal: stream.signal, cache: 'no-store' }),
        stream.signal,
      );
      this.serverAnswers = true;
      if (response.status !== 209 && !response.ok) throw await this.refusal(response);
      if (!response.body) throw new BraidError('protocol', this.url, 'the subscription response has no body');
      this.forceSnapshot = false;
      if (response.status !== 209) {
        // Not a Braid server (no subscriptions): take the body as a snapshot and poll after a backoff.
        this.receive(
          {
            version: readVersion(response),
            parents: [],
            headers: {},
            body: new Uint8Array(await response.arrayBuffer()),
          },
          true,
        );
        onLive();
        this.goLive();
        return;
      }
      this.goLive();
      let opensStream = true;
      await readSubscription(
        response,
        (update) => {
          this.receive(update, opensStream);
          if (opensStream) onLive();
          opensStream = false;
        },
        stop,
      );
      if (!signal.aborted) throw new BraidError('network', this.url, 'the subscription ended');
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'BraidProtocolError' || (error instanceof BraidError && error.kind === 'protocol')) {
        // We cannot trust our confirmed state any more: start over from a snapshot.
        this.forceSnapshot = true;
        throw new BraidError('protocol', this.url, (error as Error).message, { cause: error });
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      if (this.stream === stream) this.stream = undefined;
      stream.abort();
    }
  }

  private goLive(): void {
    this.updateStatus({ state: 'live', error: undefined });
    this.scheduleFlush();
  }

  /**
   * Waits for a subscription's head, but not blindly: some Braid servers (braidify) send no byte of a 209 until
   * their next update, so a client that is already current hears nothing. Every `headTimeoutMs` a plain GET asks
   * whether the server is there and at our version: then we are live (writes go out, and the head comes with
   * the next update, ours included); at another version the server has something to send, so the head is only
   * slow and we keep waiting (with buffered writes going out); no answer at all, and the subscription is retried.
   */
  private async awaitHead(response: Promise<Response>, signal: AbortSignal): Promise<Response> {
    response.catch(() => {}); // when we give up on it below, its rejection is nobody's business
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.ctx.headTimeoutMs);
      });
      const first = await Promise.race([response, timedOut]).finally(() => clearTimeout(timer));
      if (first !== 'timeout') return first;
      if (signal.aborted) return response;
      const current = await this.serverVersion(signal);
      if (signal.aborted) return response;
      if (current === undefined)
        throw new BraidError('network', this.url, 'the subscription sent no head, and a GET got no answer');
      this.serverAnswers = true;
      this.scheduleFlush(); // the server answers: buffered writes go out
      // At our version, nothing is coming until the next update: we are live. At another version (or before
      // the first value), the server has something to send, so the head is only slow: keep waiting.
      const confirmed = this.state.confirmed?.version;
      if (confirmed && sameVersion(current, confirmed) && this.status.state !== 'live') this.goLive();
    }
  }

  /** The server's current version by a plain GET, or undefined when it does not answer 2xx. */
  private async serverVersion(signal: AbortSignal): Promise<string[] | undefined> {
    try {
      const res = await this.ctx.fetch(this.url, {
        method: 'GET',
        headers: { ...this.ctx.headers, Accept: 'application/json' },
        cache: 'no-store',
        signal,
      });
      await res.arrayBuffer().catch(() => {});
      return res.ok ? readVersion(res) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Maps a non-success answer to what the loop should do: retry (maybe later), or stop. */
  private async refusal(response: Response): Promise<Error> {
    const reason = (await response.text().catch(() => '')).trim().slice(0, 300);
    const message = `${response.status} ${reason || response.statusText}`.trim();
    const error = new BraidError('http', this.url, message, { status: response.status });
    if (RETRYABLE_STATUS.has(response.status) || response.status >= 500) {
      return new RetryLater(error, parseRetryAfter(response.headers.get('retry-after')));
    }
    return new FatalError(error);
  }

  private fail(error: BraidError): void {
    this.updateStatus({ state: 'error', error });
    this.reportError(error);
    this.rejectReady?.(error);
  }

  // ---- receiving ----

  /**
   * One update from a subscription. A body that opens the stream is a snapshot (the first value, or a resume the
   * server answered whole); a body later in the stream is a version like any other that replaces the whole
   * document (a snapshot write, a revert): it is bridged like patches, and may be our own write's echo.
   */
  private receive(update: Update, opensStream: boolean): void {
    let dropped = 0;
    if (update.body && !this.isWholeDocumentVersion(update, opensStream)) {
      const value = parseJsonContent(update.body, 512);
      const firstValue = !this.state.loaded;
      dropped = this.state.receiveSnapshot(update.version, value).dropped;
      if (firstValue) this.applyWaitingSets();
      this.resolveReady?.();
      this.scheduleFlush(); // a write re-based on it (after a 409) goes again now, not at the next edit
    } else if (update.body || update.patches) {
      if (!this.state.loaded)
        throw new BraidError('protocol', this.url, 'a patch arrived before any snapshot');
      const patches: JsonPatch[] = update.body
        ? [{ range: '', content: parseJsonContent(update.body, 512) }]
        : update.patches!.map((p) => {
            if (p.unit !== 'json')
              throw new BraidError('protocol', this.url, `unsupported range unit ${p.unit}`);
            const content = parseJsonContent(p.content, 512);
            return content === undefined ? { range: p.range } : { range: p.range, content };
          });
      const result = this.state.receivePatches(update.version, patches);
      dropped = result.dropped;
      if (result.ours) this.scheduleFlush();
    } else return;
    if (dropped > 0) this.reportConflict(dropped);
    this.updateStatus({}, true);
  }

  /** A body that follows on from what we hold (its Parents are our version, or it is not the stream's first). */
  private isWholeDocumentVersion(update: Update, opensStream: boolean): boolean {
    const confirmed = this.state.confirmed;
    if (!confirmed) return false;
    if (update.parents.length === 0) return !opensStream;
    return (
      update.parents.length === confirmed.version.length &&
      update.parents.every((p, i) => p === confirmed.version[i])
    );
  }

  private applyWaitingSets(): void {
    const sets = this.waitingSets;
    this.waitingSets = [];
    for (const action of sets) this.set(action);
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
      const inflight = this.state.inflight;
      // A re-based write (after a 409 and a fresh snapshot) goes again; otherwise the buffer takes off.
      const write =
        inflight && !inflight.sent && !inflight.conflicted
          ? inflight
          : inflight
            ? null
            : this.state.takeWrite(this.ctx.nextVersionId, MAX_PATCHES_PER_WRITE);
      if (write) void this.send(write).catch(() => {});
    });
  }

  /** Writes go out once the server is known to answer (a live stream, or an answer in this connection attempt). */
  private canWrite(): boolean {
    return this.status.state === 'live' || (this.serverAnswers && this.state.loaded && !!this.running);
  }

  /** Before (re)subscribing, find out whether the server has the write in doubt (same Version: retries are safe). */
  private async settleInflight(): Promise<void> {
    if (this.sending) await this.sending.catch(() => {});
    const write = this.state.inflight;
    if (write && !write.acked && !write.conflicted) await this.send(write);
  }

  private send(write: InflightWrite): Promise<void> {
    const sending = this.sendOnce(write).finally(() => {
      if (this.sending !== sending) return;
      this.sending = undefined;
      this.scheduleFlush(); // whatever was buffered behind it (or a re-based resend) goes next
    });
    this.sending = sending;
    return sending;
  }

  private async sendOnce(write: InflightWrite): Promise<void> {
    write.sent = true;
    write.request ??= { parents: this.state.confirmed!.version, patches: write.patches };
    const request = encodeWrite(write.id, write.request.parents, write.request.patches);
    let response: Response;
    let reason: string;
    const unanswered = new AbortController();
    const timer = setTimeout(() => unanswered.abort(), this.ctx.writeTimeoutMs);
    try {
      response = await this.ctx.fetch(this.url, {
        method: 'PUT',
        headers: { ...this.ctx.headers, ...request.headers, Peer: this.ctx.peer },
        body: request.body as BodyInit,
        signal: unanswered.signal,
      });
      reason = (await response.text()).trim().slice(0, 300);
    } catch (error) {
      // Not a rejection: the write stays pending and is resent with the same Version (and the same request).
      write.sent = false;
      this.serverAnswers = false;
      this.stream?.abort();
      const why = unanswered.signal.aborted ? `no answer in ${this.ctx.writeTimeoutMs} ms` : describe(error);
      throw new BraidError('network', this.url, `write failed: ${why}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    this.serverAnswers = true;
    if (this.state.inflight !== write) return; // its echo already arrived
    if (response.ok) {
      write.acked = true;
      this.awaitEcho(write);
      return;
    }
    if (response.status === 409 && VERSION_TAKEN.test(reason)) return this.renamed(write, reason);
    if (response.status === 409) {
      // The server no longer knows our Parents (so it does not have this write): re-subscribe for a fresh
      // snapshot, re-base, resend.
      write.conflicted = true;
      this.forceSnapshot = true;
      this.stream?.abort();
      return;
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      const delay = parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(1, this.ctx.retry);
      await sleep(delay, this.running?.signal);
      if (this.state.inflight === write && this.running) return this.sendOnce(write);
      return;
    }
    this.rejected(response, reason);
  }

  /**
   * Another write holds this write's Version (a reused peer id, or someone who saw our ids and wrote first): the
   * same write goes again under a new id, and the clash is reported. Bounded, so a server that answers this to
   * everything ends in a rejected write, not a loop.
   */
  private renamed(write: InflightWrite, reason: string): Promise<void> | void {
    const taken = write.id;
    const error = new BraidError('version-taken', this.url, `write ${taken}: ${reason}`, { status: 409 });
    this.reportError(error);
    if (write.renames >= MAX_RENAMES) {
      this.rejectWrite(new BraidError('rejected', this.url, `write refused: ${reason}`, { status: 409 }));
      return;
    }
    write.renames++;
    write.id = this.ctx.nextVersionId();
    write.sent = false;
    return this.sendOnce(write);
  }

  /**
   * An acknowledged write's echo comes on the subscription right behind the answer. If it does not come (the
   * stream is stuck, or a server that does not echo), the write is settled by a fresh snapshot, which holds it.
   */
  private awaitEcho(write: InflightWrite): void {
    clearTimeout(this.echoTimer);
    this.echoTimer = setTimeout(() => {
      if (this.state.inflight !== write || !this.running) return;
      this.forceSnapshot = true;
      this.stream?.abort();
    }, this.ctx.echoTimeoutMs);
  }

  private rejected(response: Response, reason: string): void {
    const message = `write refused: ${response.status} ${reason || response.statusText}`;
    this.rejectWrite(new BraidError('rejected', this.url, message, { status: response.status }));
  }

  private rejectWrite(error: BraidError): void {
    this.state.rejectInflight();
    this.updateStatus({ error }, true);
    this.reportError(error);
    this.scheduleFlush();
  }

  // ---- status ----

  /** Recomputes the status; notifies listeners when it changed, or always when the value changed too. */
  private updateStatus(
    change: Partial<ResourceStatus> & { state?: ConnectionState },
    valueChanged = false,
  ): void {
    const next: ResourceStatus = {
      state: change.state ?? this.status.state,
      version: this.state.confirmed?.version,
      pending: this.state.pending + this.waitingSets.length,
      error: 'error' in change ? change.error : this.status.error,
    };
    const prev = this.status;
    if (
      prev.state === next.state &&
      prev.version === next.version &&
      prev.pending === next.pending &&
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

function readVersion(response: Response): string[] {
  try {
    return parseVersions(response.headers.get('version') ?? '');
  } catch {
    return [];
  }
}

function sameVersion(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function describe(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  return [e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean).join(': ') || String(error);
}

/** For a plain value: whichever is smaller on the wire, the patches or one whole-document write. */
function smallerOf(patches: JsonPatch[], next: unknown): JsonPatch[] {
  const whole = JSON.stringify(next).length;
  let size = 0;
  for (const p of patches) {
    size += p.range.length + 40 + (p.content === undefined ? 0 : JSON.stringify(p.content).length);
    if (size > whole) return [{ range: '', content: next }];
  }
  return patches;
}
