import { produce } from 'immer';
import { applyJsonPatches } from '../protocol/applyJsonPatch';
import { diffJson } from '../protocol/diffJson';
import type { JsonPatch } from '../protocol/types';
import type { ClientResource } from './ClientResource';
import { encodeWrite } from './encodeWrite';
import { BraidError, backoffDelay, describe, parseRetryAfter, RETRYABLE_STATUS, sleep } from './initialCode';
import { toJsonValue } from './jsonValue';
import { MAX_RENAMES } from './machine/writeMachine';
import { type InflightWrite, OptimisticState, type WriteWaiter } from './OptimisticState';
import type { SetAction } from './types';
import { type EditKind, UndoHistory } from './undoHistory';
import { takeStep } from './undoStep';

const MAX_PATCHES_PER_WRITE = 1000;
/** A 409 whose reason starts so means the Version was taken by another write (server/knownVersions.ts). */
const VERSION_TAKEN = /^version taken\b/;
/** A plain value whose diff is this many patches or more is sent whole, when that is smaller. */
const SNAPSHOT_CHECK_PATCHES = 32;

/**
 * The write path of one ClientResource, an on-demand chunk (a page that only reads never loads it; the first
 * subscription prefetches it): edits (immer recipes, normalized to what JSON carries, diffed to patches), the
 * optimistic state they live in until the server confirms them (OptimisticState, which replaces the resource's
 * ReadState when this loads), the PUTs with their retries, renames and echo checks, and undo history.
 *
 * It works on the resource's internals (the members marked "the write path's" there); phases still change only
 * through the machines: the connection's through `resource.dispatch`, each write's through `local.writeEvent`.
 */
export class ResourceWriter<T> {
  readonly history = new UndoHistory();
  readonly local: OptimisticState;
  private echoTimer?: unknown;
  private flushQueued = false;
  private sending?: Promise<BraidError | undefined>;

  constructor(private readonly resource: ClientResource<T>) {
    const local = OptimisticState.from(resource.local);
    const report = resource.ctx.onEvent;
    const url = resource.url;
    if (report)
      local.onWritePhase = (write, from, cause) =>
        report({ type: 'write', url, version: write.id, from, to: write.phase, cause });
    this.local = resource.local = local;
  }

  /** Applies one edit to the view and buffers it; false when it changes nothing. Throws 'invalid'. */
  edit(action: SetAction<T>, waiter: WriteWaiter): boolean {
    // What the user sees: with `persist`, other tabs' unconfirmed edits over this tab's (tabs/ForeignEdits.ts).
    const prev = this.resource.getSnapshot() as T;
    const produced =
      typeof action === 'function' ? produce(prev, action as (draft: T) => T | undefined) : action;
    if (produced === prev) return false;
    // Exactly what the server will store (no -0, undefined members, Dates...), or a throw: nothing changed.
    let next = this.normalize(produced, prev);
    // One change too big for one write goes as one replacement of the container it changed: atomic, and
    // smaller than its patches (a recipe touching 200,000 items: the diff stops at the limit).
    let patches = diffJson(prev, next, { maxPatches: MAX_PATCHES_PER_WRITE });
    if (patches.length === 0) return false;
    // Made over other tabs' edits: only what this edit changed is this tab's (throws 'conflict' when it cannot be).
    const foreign = this.resource.persisted?.foreign;
    if (foreign) next = applyJsonPatches(this.local.view, (patches = foreign.own(this.local, patches)));
    if (typeof action !== 'function' && patches.length >= SNAPSHOT_CHECK_PATCHES)
      patches = smallerOf(patches, next);
    return this.commit(this.local.view, next, patches, waiter, 'edit');
  }

  /** Undoes (or redoes) this client's latest edit as a new write; resolves `waiter` when there is nothing to do. */
  step(kind: 'undo' | 'redo', waiter: WriteWaiter): void {
    const prev = this.local.view;
    const stack = kind === 'undo' ? this.history.undos : this.history.redos;
    const patches = this.local.loaded ? takeStep(stack, prev) : undefined;
    if (!patches || !this.commit(prev, applyJsonPatches(prev, patches), patches, waiter, kind))
      waiter.resolve();
    this.resource.updateStatus({});
  }

  private commit(
    prev: unknown,
    next: unknown,
    patches: JsonPatch[],
    waiter: WriteWaiter,
    kind: EditKind,
  ): boolean {
    if (patches.length === 0) return false;
    const resource = this.resource;
    this.history.record({ prev, patches, next }, kind);
    this.local.localEdit(next, patches, waiter);
    resource.updateStatus({}, true);
    this.flush();
    // Released (no listeners, the grace period over): the edit reconnects it until the server confirms it.
    if (!resource.running) {
      resource.activate();
      if (!resource.hasListeners()) resource.scheduleRelease();
    }
    return true;
  }

  /** The value as JSON will carry it (see toJsonValue), or a BraidError 'invalid'. */
  normalize(value: unknown, prev: unknown): unknown {
    try {
      return toJsonValue(value, prev);
    } catch (error) {
      throw new BraidError('invalid', this.resource.url, (error as Error).message, { cause: error });
    }
  }

  /** Sends what waits, soon (one write in flight, the rest buffered). */
  flush(): void {
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
        : this.local.takeWrite(this.resource.ctx.nextVersionId, MAX_PATCHES_PER_WRITE);
      if (!write) return;
      if (write !== inflight) this.resource.updateStatus({}); // a new pending version
      void this.send(write);
    });
  }

  /** Writes go out once the server is known to answer (a live stream, or an answer in this connection attempt). */
  private canWrite(): boolean {
    const { connection, running } = this.resource;
    return connection.phase === 'live' || (connection.serverAnswers && this.local.loaded && !!running);
  }

  /**
   * Before (re)subscribing, find out whether the server has the write in doubt (same Version: retries are safe).
   * Returns why it got no answer, if it did not.
   */
  async settleInflight(): Promise<BraidError | undefined> {
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
          new BraidError('network', this.resource.url, `write failed: ${describe(error)}`, { cause: error }),
      )
      .finally(() => {
        if (this.sending !== sending) return;
        this.sending = undefined;
        this.flush(); // whatever was buffered behind it (or a re-based resend) goes next
      });
    this.sending = sending;
    return sending;
  }

  /** One PUT of the write (and its resends under Retry-After or a new id). Returns why it got no answer. */
  private async sendOnce(write: InflightWrite): Promise<BraidError | undefined> {
    const resource = this.resource;
    const { ctx, url } = resource;
    this.local.writeEvent(write, {
      type: 'send',
      request: { parents: this.local.confirmed!.version, patches: write.patches },
    });
    if (resource.persisted) {
      // Stored before it is sent: after a reload it goes again exactly like this.
      resource.persisted.changed(true);
      await resource.persisted.flushBeforeSend();
    }
    const sent = write.request!;
    const request = encodeWrite(write.id, sent.parents, sent.patches);
    const version = write.id;
    let response: Response;
    let reason: string;
    const unanswered = new AbortController();
    const { timers } = ctx;
    const timer = timers.setTimeout(() => unanswered.abort(), ctx.writeTimeoutMs);
    try {
      const headers = { ...(await ctx.headers()), ...request.headers, Peer: ctx.peer };
      response = await resource.reported('PUT', false, version, () =>
        ctx.fetch(url, {
          method: 'PUT',
          headers,
          body: request.body as BodyInit,
          signal: unanswered.signal,
        }),
      );
      reason = (await response.text()).trim().slice(0, 300);
    } catch (error) {
      // Not a rejection: the write stays pending and is resent with the same Version (and the same request).
      const why = unanswered.signal.aborted ? `no answer in ${ctx.writeTimeoutMs} ms` : describe(error);
      this.local.writeEvent(write, { type: 'unanswered' });
      resource.dispatch({ type: 'write-unanswered' });
      resource.stream?.abort();
      return new BraidError('network', url, `write failed: ${why}`, { cause: error });
    } finally {
      timers.clearTimeout(timer);
    }
    resource.dispatch({ type: 'answered' });
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
      resource.dispatch({ type: 'resync' });
      resource.stream?.abort();
      return undefined;
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      const delay = parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(1, ctx.retry);
      await sleep(delay, resource.running?.signal, timers);
      this.local.writeEvent(write, { type: 'unanswered' });
      if (this.local.inflight === write && resource.running) return this.sendOnce(write);
      return undefined;
    }
    this.local.writeEvent(write, { type: 'refused' });
    const message = `write refused: ${response.status} ${reason || response.statusText}`;
    this.rejectWrite(new BraidError('rejected', url, message, { status: response.status }));
    return undefined;
  }

  /**
   * Another write holds this write's Version (a reused peer id, or someone who saw our ids and wrote first): the
   * same write goes again under a new id, and the clash is reported. Bounded (the write machine refuses after
   * MAX_RENAMES), so a server that answers this to everything ends in a rejected write, not a loop.
   */
  private renamed(write: InflightWrite, reason: string): Promise<BraidError | undefined> | undefined {
    const { url, ctx } = this.resource;
    const error = new BraidError('version-taken', url, `write ${write.id}: ${reason}`, { status: 409 });
    this.resource.reportError(error);
    // The machine refuses past MAX_RENAMES; no id is spent on a write it will refuse.
    const canRename = write.renames < MAX_RENAMES;
    this.local.writeEvent(write, {
      type: 'version-taken',
      newId: canRename ? ctx.nextVersionId() : write.id,
    });
    if (write.phase === 'rejected') {
      this.rejectWrite(new BraidError('rejected', url, `write refused: ${reason}`, { status: 409 }));
      return undefined;
    }
    this.resource.updateStatus({}); // its pending version changed
    return this.sendOnce(write);
  }

  /**
   * An acknowledged write's echo comes on the subscription right behind the answer. If it does not come (the
   * stream is stuck, or a server that does not echo), the write is settled by a fresh snapshot, which holds it.
   */
  private awaitEcho(write: InflightWrite): void {
    const { timers, echoTimeoutMs } = this.resource.ctx;
    timers.clearTimeout(this.echoTimer);
    this.echoTimer = timers.setTimeout(() => {
      if (this.local.inflight !== write || !this.resource.running) return;
      this.resource.dispatch({ type: 'resync' });
      this.resource.stream?.abort();
    }, echoTimeoutMs);
  }

  private rejectWrite(error: BraidError): void {
    const reception = this.local.rejectInflight();
    for (const waiter of reception.rejected) waiter.reject(error);
    this.resource.settleOverridden(reception);
    this.resource.updateStatus({ error }, true);
    this.resource.reportError(error);
    this.flush();
  }

  /** The resource closed for good. */
  close(): void {
    this.resource.ctx.timers.clearTimeout(this.echoTimer);
  }
}

/** For a plain value: whichever is smaller on the wire, the patches or one whole-document write. */
export function smallerOf(patches: JsonPatch[], next: unknown): JsonPatch[] {
  const whole = JSON.stringify(next).length;
  let size = 0;
  for (const p of patches) {
    size += p.range.length + 40 + (p.content === undefined ? 0 : JSON.stringify(p.content).length);
    if (size > whole) return [{ range: '', content: next }];
  }
  return patches;
}
