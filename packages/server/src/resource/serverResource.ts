import { applyJsonPatches, type JsonPatch } from '@braid-live/core/protocol';
import { carryContentJson, forgetContentJson, rememberContentJson } from '../json/contentJson';
import { jsonPiecesInSteps } from '../json/jsonInSteps';
import { LoopTurn, runInTurns, runNow } from '../loopTurn';
import type { ServerContext } from '../serverContext';
import type { StoredResource, VersionRecord } from '../store/types';
import type { SubscriptionSink } from '../subscriptions/sink';
import { SubscriberSet } from '../subscriptions/subscriberSet';
import { snapshotUpdateInSteps, versionUpdateBytes } from '../subscriptions/updateBytes';
import type { HistoryEntry, NativeRequest, ResourceChange, ResourceOptions } from '../types';
import { jsonSizeInSteps, jsonSizeOf } from './documentSize';
import { History, type VersionEntry } from './history';
import { type HistoryPage, type HistoryPageRequest, HistoryPages, historyEntryOf } from './historyPages';
import { writeDigestInSteps } from './knownVersions';
import type { PatternQuota } from './patternQuota';
import { rebaseWrite } from './rebaseWrite';
import type { ResidentMemory } from './residentMemory';
import { ResourceError } from './resourceError';
import { StoredResourceBase } from './storedResource';
import { checkInitialValue, checkSchema, runValidate } from './validateWrite';
import { initialVersionIdInSteps } from './versionIds';
import { checkDocumentSize, checkWriteBudget } from './writeBudget';

/** A write as it reaches a resource, already parsed and checked for form and limits. */
export interface WriteProposal {
  /** The writer's Version; undefined → a server-made id. */
  version?: string;
  /** What the writer based it on; undefined → the head. */
  parents?: string[];
  /** As sent: may hold negative indices and -0 (resolved against the state at Parents). */
  patches: JsonPatch[];
  peer?: string;
  /** The HTTP request, for `validate`; undefined for server-side writes, which are not validated. */
  req?: NativeRequest;
}

/** The server-wide bounds a resource reports to (set by the registry). */
export interface ResourceBounds {
  memory: ResidentMemory;
  /** The creation count of its pattern (undefined for an exact path). */
  quota?: PatternQuota;
}

/** `duplicate`: a retry of a write the server has (same Version, same Parents and patches): nothing changed. */
export type WriteOutcome = { kind: 'applied'; entry: VersionEntry } | { kind: 'duplicate'; version: string };

/**
 * One resource: its linear history (in memory, bounded), its subscribers, and a queue that applies its writes
 * strictly one at a time. The write path is: duplicate check (a retry, or another write under a taken Version
 * → 409) → locate Parents → transform over the versions
 * after Parents → validate → durable append to the store → commit in memory → fan out. Nothing is visible to
 * anyone (GET, subscribers) before the store said the version is durable, and a version the store failed to
 * take is never applied.
 */
export class ServerResource extends StoredResourceBase {
  readonly ready: Promise<void>;
  private history!: History;
  private readonly subscribers = new SubscriberSet();
  private readonly pages = new HistoryPages();
  /**
   * The head as a subscription's first update (`wire`) and as a GET's body (`body`, a view into it), made once
   * per version (GET, HEAD, snapshots, resume budget).
   */
  private headBytesCache?: { seq: number; wire: Buffer; body: Buffer };
  private headBytesMaking?: { seq: number; made: Promise<void> };

  constructor(
    path: string,
    readonly params: Record<string, string>,
    readonly options: ResourceOptions,
    ctx: ServerContext,
    bounds: ResourceBounds,
  ) {
    super(path, ctx, bounds);
    this.ready = this.load();
    // A failed load is reported to whoever awaits `ready`; don't let it also surface as an unhandled rejection.
    this.ready.catch(() => {});
  }

  get isLoaded(): boolean {
    return this.history !== undefined;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  // ---- reading (never waits for the write queue or the store) ----

  get head(): { version: string[]; value: unknown } {
    return { version: this.history.headVersion, value: this.history.headValue };
  }

  /** The head's JSON as UTF-8 (a GET's body). */
  headBody(): Uint8Array {
    return this.headCache().body;
  }

  /**
   * Makes the head's bytes, if a read of the head will need them and they are not made yet, in steps that give
   * the loop back (JSON.stringify of a 2.8 MB document holds it 25–40 ms in one piece, encoding it as much
   * again). A GET, or a subscription (with `parents` when it resumes: then only if its catch-up would be
   * replaced by a snapshot), awaits this and then answers synchronously. Concurrent reads share one making.
   */
  async prepareHeadBytes(parents?: string[]): Promise<void> {
    // (A few tries: writes may move the head while it is made; a read then makes the rest at once.)
    for (let tries = 0; tries < 3; tries++) {
      const seq = this.history.headSeq;
      if (this.headBytesCache?.seq === seq) return;
      if (parents?.length) {
        const from = this.history.locate(parents);
        if (from !== undefined && (from === seq || this.catchUpParts(from) !== undefined)) return;
      }
      if (this.headBytesMaking?.seq !== seq) this.headBytesMaking = { seq, made: this.makeHeadBytes(seq) };
      await this.headBytesMaking.made;
    }
  }

  private async makeHeadBytes(seq: number): Promise<void> {
    try {
      const made = await runInTurns(this.headBytesInSteps(), new LoopTurn());
      if (this.history.headSeq === seq && this.headBytesCache?.seq !== seq) {
        this.headBytesCache = { seq, ...made };
        this.reportResident();
      }
    } finally {
      if (this.headBytesMaking?.seq === seq) this.headBytesMaking = undefined;
    }
  }

  /** (Version and value are read once, at the start: a write meanwhile makes the result stale, not wrong.) */
  private *headBytesInSteps(): Generator<undefined, { wire: Buffer; body: Buffer }> {
    const version = this.history.headVersion;
    const json = (yield* jsonPiecesInSteps(this.history.headValue)) ?? [];
    return yield* snapshotUpdateInSteps(version, json);
  }

  /** The value at a version the client names (GET with `Version`), or undefined if it is not in memory. */
  valueAt(version: string[]): { version: string[]; value: unknown } | undefined {
    const seq = this.history.locate(version);
    if (seq === undefined) return undefined;
    return { version: this.history.versionAt(seq), value: this.history.valueAt(seq) };
  }

  /** Whether a version id is taken already (a write with it is a retry, or refused). */
  knows(version: string): boolean {
    return this.history.known.has(version);
  }

  historyEntries(limit = Number.POSITIVE_INFINITY): HistoryEntry[] {
    const versions = this.history.versions;
    const out: HistoryEntry[] = [];
    for (let i = versions.length - 1; i >= 0 && out.length < limit; i--)
      out.push(historyEntryOf(versions[i]));
    return out;
  }

  /** A page of the version list as JSON, newest first (410 when `before` is not in memory). */
  historyPage(request: HistoryPageRequest): HistoryPage {
    return this.pages.page(this.history, request);
  }

  // ---- subscriptions ----

  /**
   * Starts a subscription: sends what the subscriber is missing (nothing, the versions after `parents`, or a
   * snapshot), then joins the fan-out; returns whether it wrote anything. Synchronous, so no version can slip between the catch-up and the first
   * live update. A catch-up bigger than a snapshot is replaced by the snapshot.
   */
  attach(sink: SubscriptionSink, parents: string[] | undefined): boolean {
    const history = this.history;
    const from = parents?.length ? history.locate(parents) : undefined;
    let initial: Uint8Array | Uint8Array[] | undefined;
    if (from === undefined) initial = this.snapshotWire();
    else if (from !== history.headSeq) initial = this.catchUpWire(from);
    if (initial) sink.writeInitial(initial);
    if (!sink.closed) this.subscribers.add(sink);
    return initial !== undefined;
  }

  // ---- writing ----

  write(proposal: WriteProposal): Promise<WriteOutcome> {
    return this.queue.run(async () => {
      await this.ready;
      return this.applyWrite(proposal);
    });
  }

  /** Runs `makeProposal` on the head inside the write queue (server-side writes compute their patches there). */
  writeFromHead(
    makeProposal: (head: unknown) => WriteProposal | Promise<WriteProposal>,
  ): Promise<WriteOutcome> {
    return this.queue.run(async () => {
      await this.ready;
      return this.applyWrite(await makeProposal(this.history.headValue));
    });
  }

  /** Ends every subscription of this resource. */
  closeSubscriptions(): void {
    this.subscribers.closeAll();
    this.listeners.clear();
  }

  // ---- internals ----

  private async load(): Promise<void> {
    const { schema } = this.options;
    if (schema)
      await checkInitialValue(this.path, schema, initialValue(this.options, this.params, this.path));
    const stored = await this.loadStored();
    if (stored) this.noteStored();
    // (In turns: replaying a stored history of big versions makes the wire bytes of each.)
    this.history = await runInTurns(this.historyInSteps(stored), new LoopTurn());
    this.reportResident();
    this.followShared();
  }

  /** The history `stored` holds, replayed onto the root; yields between records. */
  private *historyInSteps(stored: StoredResource | undefined): Generator<undefined, History> {
    const initial = yield* this.initialState();
    const base = stored?.base;
    // A base with the empty version was stored before the initial state had an id: it is the initial state.
    const baseIsInitial =
      base !== undefined && (base.version.length === 0 || sameIds(base.version, initial.version));
    const root =
      base === undefined ? initial : baseIsInitial ? { version: initial.version, value: base.value } : base;
    const { maxHistory, maxHistoryBytes, maxKnownVersions } = this.ctx.limits;
    const history = new History(
      root,
      maxHistory,
      maxHistoryBytes,
      maxKnownVersions,
      base === undefined || baseIsInitial,
    );
    let value = root.value;
    for (const record of stored?.records ?? []) {
      value = applyJsonPatches(value, record.patches);
      history.push({ ...record, value, wire: versionUpdateBytes(record) });
      yield;
    }
    return history;
  }

  protected get headSeq(): number {
    return this.history.headSeq;
  }

  protected headChange(): ResourceChange {
    return { version: this.history.headVersion, parents: [], value: this.history.headValue };
  }

  /** A version of the shared log (another node's, or one a lost append brought back). */
  protected applyLogged(record: VersionRecord): void {
    const value = applyJsonPatches(this.history.headValue, record.patches);
    this.publish(this.history.push({ ...record, value, wire: versionUpdateBytes(record) }));
  }

  protected restart(stored: StoredResource | undefined): void {
    this.history = runNow(this.historyInSteps(stored));
    this.headBytesCache = undefined;
  }

  protected closeStreams(): void {
    this.subscribers.closeAll();
  }

  /**
   * The initial value and its version: `initialVersion`, or an id made from the path and the value. In steps:
   * an app's big initial value is measured and hashed on its first load (200,000 items: ~120 ms in one piece).
   */
  private *initialState(): Generator<undefined, { version: string[]; value: unknown }> {
    const value = initialValue(this.options, this.params, this.path);
    yield* jsonSizeInSteps(value);
    const id = this.options.initialVersion ?? (yield* knownInitialId(this.path, value));
    return { version: [id], value };
  }

  private async applyWrite(proposal: WriteProposal): Promise<WriteOutcome> {
    const texts: JsonPatch[][] = [proposal.patches];
    try {
      return await this.applyWriteInTurns(proposal, texts);
    } finally {
      for (const patches of texts) forgetContentJson(patches);
    }
  }

  /**
   * The write path (see the class comment). A big write gives the event loop back between its passes
   * (LoopTurn): apply, measure and validate; the contents' JSON (made once: digest, store and wire share it);
   * the digest; the store frame; the wire bytes. `texts` gets every patch list whose JSON was remembered.
   */
  private async applyWriteInTurns(proposal: WriteProposal, texts: JsonPatch[][]): Promise<WriteOutcome> {
    const turn = new LoopTurn();
    // Made when first needed: a retry check, or an accepted write's record (a refused write never hashes).
    let digest: string | undefined;
    const digestOf = async () =>
      (digest ??= await runInTurns(writeDigestInSteps(proposal.parents, proposal.patches), turn));
    // On a shared log, a write that lost the race to another node rebases onto the versions it missed and
    // tries again (appendShared.ts bounds the attempts); on a store of our own, the first attempt is the last.
    for (let attempt = 1; ; attempt++) {
      const history = this.history;
      // The same Version with the same Parents and patches is the same write: a retry after a lost response
      // changes nothing. Anything else under a taken Version would be dropped silently if answered 200.
      if (proposal.version !== undefined && history.known.has(proposal.version)) {
        await rememberContentJson(proposal.patches, turn);
        if (history.known.isRetry(proposal.version, await digestOf()))
          return { kind: 'duplicate', version: proposal.version };
        throw new ResourceError(
          'version-taken',
          `version taken: ${JSON.stringify(proposal.version)} names another write (or the initial state); send this write under a new Version`,
        );
      }
      // Client writes are measured before any work; every write's result is measured before anything else.
      if (proposal.req) checkWriteBudget(proposal.patches, history.headValue, this.ctx.limits);
      const { patches, value } = await rebaseWrite(
        history,
        proposal.parents,
        proposal.patches,
        this.ctx.limits.maxRebaseWork,
        turn,
      );
      checkDocumentSize(value, this.ctx.limits);
      // Every write, server-side ones too: the schema is what the document's type promises.
      if (this.options.schema) await checkSchema(this.options.schema, value);
      if (proposal.req) await runValidate(this.options.validate, value, history.headValue, proposal.req);
      await turn.pause();
      // Accepted so far: each content's JSON, once, for the digest, the store's frame and the wire.
      await rememberContentJson(proposal.patches, turn);
      if (patches !== proposal.patches) {
        texts.push(patches);
        carryContentJson(proposal.patches, patches);
        await rememberContentJson(patches, turn);
      }
      await turn.pause();
      const recordDigest = await digestOf();
      await turn.pause();
      // (Another write cannot have moved the head meanwhile: writes run one at a time in the queue.)

      const record: VersionRecord = {
        version: proposal.version ?? this.freshVersionId(),
        parents: history.headVersion,
        patches,
        time: Date.now(),
        digest: recordDigest,
      };
      if (proposal.peer !== undefined) record.peer = proposal.peer;
      // The wire bytes in a turn of their own, before the store (they follow from the record alone): after the
      // fsync, nothing may come between the stored version and the history that serves it.
      const wire = versionUpdateBytes(record);
      await turn.pause();
      const stored = await this.storeVersion(record, history.headSeq, recordDigest, attempt);
      if (stored === 'duplicate') return { kind: 'duplicate', version: record.version };
      if (stored === 'moved') continue;
      turn.restart(); // (the store's fsync gave the loop back)
      const entry = history.push({ ...record, value, wire });
      this.reportResident();
      this.publish(entry);
      this.compactIfDue(() => ({
        root: this.history.root,
        records: () => this.history.versions.map(toRecord),
        bytes: jsonSizeOf(this.history.root.value) + this.history.wireBytes,
      }));
      return { kind: 'applied', entry };
    }
  }

  /** A server-made id no client has claimed already (ids are visible, so one could be sent ahead of time). */
  private freshVersionId(): string {
    let id = this.ctx.newVersionId();
    while (this.history.known.has(id)) id = this.ctx.newVersionId();
    return id;
  }

  /** Fan-out: the version's bytes are serialized once, and the same bytes go to every subscriber. */
  private publish(entry: VersionEntry): void {
    if (this.subscribers.size > 0) this.subscribers.broadcast(entry.wire);
    if (this.listeners.size === 0) return;
    const change: ResourceChange = {
      version: [entry.version],
      parents: entry.parents,
      patches: entry.patches,
      value: entry.value,
    };
    for (const listener of this.listeners) this.notify(listener, change);
  }

  private headCache(): { seq: number; wire: Buffer; body: Buffer } {
    const seq = this.history.headSeq;
    if (this.headBytesCache?.seq !== seq) {
      this.headBytesCache = { seq, ...runNow(this.headBytesInSteps()) };
      this.reportResident();
    }
    return this.headBytesCache;
  }

  private snapshotWire(): Uint8Array {
    return this.headCache().wire;
  }

  /**
   * Re-estimates the bytes held and reports the change. O(1) after a write: document sizes are cached per
   * container (see documentSize.ts), the history counts its wire bytes. Values of whole-document versions
   * share nothing, so the history's bytes count twice (the wire bytes and the value they carry).
   */
  protected estimateBytes(): number {
    const history = this.history;
    let bytes = jsonSizeOf(history.headValue) + 2 * history.wireBytes;
    if (history.versions.length > 0) bytes += jsonSizeOf(history.root.value);
    const cache = this.headBytesCache;
    if (cache?.seq === history.headSeq) bytes += cache.wire.length;
    return bytes;
  }

  /**
   * The versions after `from`, as their bytes (not joined: a catch-up may be as big as the snapshot, and a
   * copy of 8 MiB held the loop 25 ms; the sink writes them in one tick). A catch-up that would be larger than
   * both the snapshot and CATCH_UP_FLOOR_BYTES is replaced by the snapshot: a long-gone client gets the cheaper
   * of the two, while a short resume stays "only the versions after Parents" even when patches outweigh a tiny
   * document.
   */
  private catchUpWire(from: number): Uint8Array | Uint8Array[] {
    return this.catchUpParts(from) ?? this.snapshotWire();
  }

  /** The updates after `from`, or undefined when they outweigh the snapshot (estimated: jsonSizeOf, cached). */
  private catchUpParts(from: number): Uint8Array[] | undefined {
    const budget = Math.max(jsonSizeOf(this.history.headValue), CATCH_UP_FLOOR_BYTES);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const entry of this.history.after(from)) {
      total += entry.wire.length;
      if (total > budget) return undefined;
      parts.push(entry.wire);
    }
    return parts;
  }
}

const CATCH_UP_FLOOR_BYTES = 256 * 1024;

/**
 * Initial version ids by initial value (immutable, as every value here) and path: a resource evicted and loaded
 * again with the same constant initial value does not stringify and hash it again (200,000 items: ~60 ms).
 */
const initialIds = new WeakMap<object, Map<string, string>>();

function* knownInitialId(path: string, value: unknown): Generator<undefined, string> {
  if (typeof value !== 'object' || value === null) return yield* initialVersionIdInSteps(path, value);
  let byPath = initialIds.get(value);
  if (!byPath) initialIds.set(value, (byPath = new Map()));
  let id = byPath.get(path);
  if (id === undefined) {
    id = yield* initialVersionIdInSteps(path, value);
    // (Bounded: a pattern's constant initial value is shared by every path under it.)
    if (byPath.size < 1024) byPath.set(path, id);
  }
  return id;
}

function initialValue(options: ResourceOptions, params: Record<string, string>, path: string): unknown {
  const { initial } = options;
  return typeof initial === 'function' ? initial(params, path) : initial;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function toRecord(entry: VersionEntry): VersionRecord {
  const record: VersionRecord = {
    version: entry.version,
    parents: entry.parents,
    patches: entry.patches,
    time: entry.time,
  };
  if (entry.peer !== undefined) record.peer = entry.peer;
  if (entry.digest !== undefined) record.digest = entry.digest;
  return record;
}
