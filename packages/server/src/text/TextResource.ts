import { applyJsonPatches, formatVersions, type JsonPatch } from '@braid-live/core/protocol';
import {
  applySplices,
  checkSplices,
  codePointLength,
  composeSplices,
  diffText,
  sortSplices,
  spliceEventCount,
  type TextSplice,
  transformSplices,
} from '@braid-live/core/text';
import type { HistoryPage, HistoryPageRequest } from '../resource/historyPages';
import { writeDigest } from '../resource/knownVersions';
import { ResourceError } from '../resource/resourceError';
import type { ResourceBounds } from '../resource/serverResource';
import { StoredResourceBase } from '../resource/storedResource';
import { runValidate } from '../resource/validateWrite';
import type { ServerContext } from '../serverContext';
import type { StoredResource, VersionRecord } from '../store/types';
import type { SubscriptionSink } from '../subscriptions/sink';
import type { HistoryEntry, NativeRequest, ResourceChange } from '../types';
import { AgentCounters, type EventRun, parseEventId } from './eventIds';
import { type TextEntry, TextHistory, type TextState } from './textHistory';
import type { TextDefinition } from './textOptions';
import { readTextRecord, splicesAsPatches, type TextVersionRecord } from './textRecord';
import { textDigest, textUpdateBytes } from './textWire';

/** A splice as sent: negative offsets (and -0) count from the end of the text at Parents. */
export interface RawSplice {
  start: number;
  end: number;
  content: string;
}

export interface TextWriteProposal {
  /** The writer's Version (its last event, `agent-seq`); undefined → `<peer or random>-<next counter>`. */
  version?: string;
  /** The state the splices are positioned against; undefined → the head. */
  parents?: string[];
  /** A parallel set of splices, or the whole new text (a replacement of everything at Parents). */
  edit: { splices: RawSplice[] } | { text: string };
  peer?: string;
  /** The writer's Repr-Digest of its new text: checked when the edit lands as sent (a mismatch is refused). */
  digest?: string;
  /** For `validate`; undefined for server-side writes. */
  req?: NativeRequest;
}

export type TextWriteOutcome =
  | { kind: 'applied'; entry: TextEntry }
  | { kind: 'duplicate' | 'no-op'; frontier: string[] };

interface TextSubscriber {
  sink: SubscriptionSink;
  peer?: string;
}

interface PendingCatchUp {
  timer: ReturnType<typeof setTimeout>;
  /** The writer's last PUT: what it calls its own text. */
  lastId: string;
  /** Consecutive transformed PUTs: the delay grows with them. */
  count: number;
}

const DEFAULT_MAX_LENGTH = 10_000_000;
const MAX_SIDE_STATES = 1000;
const MAX_WAITING_WRITES = 100;
const PARENTS_WAIT_MS = 3000;
/** Most versions composed into a catch-up (each step costs the splices so far); past it, texts are diffed. */
const MAX_COMPOSED_VERSIONS = 32;

/**
 * One collaborative text (DESIGN.md "Text resources"): a linear history the server orders, with simpleton
 * naming on top. A write positioned against an older state is transformed over everything accepted since
 * (protocol transform, string splices); its writer, whose text now differs from the server's, gets a catch-up
 * update (Parents = its own version) once its writes pause, and meanwhile no other update, which it would
 * have to drop anyway.
 */
export class TextResource extends StoredResourceBase {
  readonly ready: Promise<void>;
  private history!: TextHistory;
  private counters!: AgentCounters;
  private readonly subscribers = new Set<TextSubscriber>();
  private readonly catchUps = new Map<string, PendingCatchUp>();
  /** Updates waiting for the end of this turn of the event loop, per subscriber (see enqueue). */
  private readonly outbox = new Map<TextSubscriber, Uint8Array[]>();
  private flushScheduled = false;
  /** Writes waiting for their Parents to arrive (a writer's PUTs may overtake each other on the network). */
  private readonly parentWaiters = new Set<() => void>();
  private digestCache?: { seq: number; digest: string };
  private headCodePoints?: { seq: number; length: number };

  constructor(
    path: string,
    readonly params: Record<string, string>,
    readonly options: TextDefinition,
    ctx: ServerContext,
    bounds: ResourceBounds,
  ) {
    super(path, ctx, bounds);
    this.ready = this.load();
    this.ready.catch(() => {});
  }

  get isLoaded(): boolean {
    return this.history !== undefined;
  }

  /** Also no catch-up pending and no write waiting for its Parents. */
  override get isIdle(): boolean {
    return super.isIdle && this.catchUps.size === 0 && this.parentWaiters.size === 0;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  // ---- reading ----

  get head(): { version: string[]; value: string } {
    return { version: [...this.history.headFrontier], value: this.history.headText };
  }

  /** Repr-Digest of the current text (computed once per version), or undefined when digests are off. */
  headDigest(): string | undefined {
    if (this.options.digests === false) return undefined;
    const seq = this.history.headSeq;
    if (this.digestCache?.seq !== seq) this.digestCache = { seq, digest: textDigest(this.history.headText) };
    return this.digestCache.digest;
  }

  /** The text of a state a client names, or undefined. */
  valueAt(version: string[]): { version: string[]; value: string } | undefined {
    const state = this.history.locate(version);
    return state && { version: [...version].sort(), value: state.text };
  }

  /** Ids of `ids` the server cannot name a state for (for the 309's Version header). */
  unknownIds(ids: string[]): string[] {
    return this.history.unknownIds(ids);
  }

  isCurrent(ids: string[]): boolean {
    const state = this.history.locate(ids);
    return state !== undefined && state.seq === this.history.headSeq && state.baseSeq === state.seq;
  }

  historyEntries(limit = Number.POSITIVE_INFINITY): HistoryEntry[] {
    const versions = this.history.versions;
    const out: HistoryEntry[] = [];
    for (let i = versions.length - 1; i >= 0 && out.length < limit; i--)
      out.push(this.historyEntryOf(versions[i]));
    return out;
  }

  private historyEntryOf(e: TextEntry): HistoryEntry {
    const entry: HistoryEntry = {
      version: e.id,
      parents: [...e.parents],
      time: e.time,
      patches: splicesAsPatches(e.splices),
    };
    if (e.peer !== undefined) entry.peer = e.peer;
    return entry;
  }

  /** The refusal for a state nobody can name here (309 on the wire, listing the unknown ids). */
  unknown(ids: string[]): ResourceError {
    return new ResourceError('version-unknown-here', `version ${formatVersions(ids)} is unknown here`, {
      ids: this.history.unknownIds(ids),
      retryAfterSeconds: 1,
    });
  }

  /** A page of the version list as JSON, newest first (410 when `before` is not in memory). */
  historyPage({ before, limit, maxBytes }: HistoryPageRequest): HistoryPage {
    const versions = this.history.versions;
    let index = versions.length - 1;
    if (before !== undefined) {
      const entry = this.history.entry(before);
      if (!entry)
        throw new ResourceError(
          'version-not-in-history',
          `version ${JSON.stringify(before)} is not in the server's history`,
        );
      index = entry.seq - versions[0].seq - 1;
    }
    const parts: string[] = [];
    let bytes = 2;
    for (; index >= 0 && parts.length < limit; index--) {
      const json = JSON.stringify(this.historyEntryOf(versions[index]));
      if (parts.length > 0 && bytes + json.length + 1 > maxBytes) break;
      parts.push(json);
      bytes += json.length + 1;
    }
    const page: HistoryPage = { bytes: Buffer.from(`[${parts.join(',')}]`, 'utf8'), count: parts.length };
    if (index >= 0 && parts.length > 0) page.next = versions[index + 1].id;
    return page;
  }

  // ---- subscriptions ----

  /**
   * Sends what the subscriber lacks (a snapshot without Parents, nothing when Parents is the current version,
   * else one update from Parents to now) and joins the fan-out. Parents must be locatable (the HTTP layer
   * answers 309 otherwise). Returns whether it wrote anything.
   */
  attach(sink: SubscriptionSink, peer: string | undefined, parents: string[] | undefined): boolean {
    const h = this.history;
    let initial: Uint8Array | undefined;
    if (parents === undefined) {
      initial = textUpdateBytes({
        version: h.headFrontier,
        parents: [],
        digest: this.headDigest(),
        body: h.headText,
      });
    } else if (!this.isCurrent(parents)) {
      const state = h.locate(parents);
      if (!state) throw this.unknown(parents);
      initial = textUpdateBytes({
        version: h.headFrontier,
        parents: [...parents].sort(),
        digest: this.headDigest(),
        splices: this.splicesToHead(state),
      });
    }
    if (initial) sink.writeInitial(initial);
    // A subscription from the peer's own last PUT (or a fresh snapshot) brings it to the head: the catch-up
    // pending for it would be based on a version it left, and hold back updates it needs. (Other Parents: the
    // PUT crossed this request, the client still is at its own version and waits for the catch-up.)
    const pending = peer === undefined ? undefined : this.catchUps.get(peer);
    if (pending && (parents === undefined || (parents.length === 1 && parents[0] === pending.lastId)))
      this.cancelCatchUp(peer!);
    if (!sink.closed) {
      const subscriber: TextSubscriber = { sink, peer };
      this.subscribers.add(subscriber);
      sink.onClose(() => this.subscribers.delete(subscriber));
    }
    return initial !== undefined;
  }

  // ---- writing ----

  async write(proposal: TextWriteProposal): Promise<TextWriteOutcome> {
    await this.ready;
    if (proposal.parents !== undefined && !this.history.locate(proposal.parents))
      await this.parentsArrive(proposal.parents);
    return this.queue.run(() => this.applyWrite(proposal));
  }

  /** A server-side write: `makeEdit` runs on the head inside the write queue (braid.patch, braid.revert). */
  writeFromHead(
    makeProposal: (head: unknown) => { patches: JsonPatch[]; peer?: string },
  ): Promise<TextWriteOutcome> {
    return this.queue.run(async () => {
      await this.ready;
      const head = this.history.headText;
      const { patches, peer } = makeProposal(head);
      const next = applyJsonPatches(head as unknown, patches);
      if (typeof next !== 'string') throw new TypeError(`${this.path} is a text resource: write a string`);
      return this.applyWrite({ edit: { splices: diffText(head, next) }, peer });
    });
  }

  closeSubscriptions(): void {
    this.flushOutbox();
    for (const subscriber of [...this.subscribers]) subscriber.sink.close();
    this.subscribers.clear();
    this.listeners.clear();
    for (const pending of this.catchUps.values()) clearTimeout(pending.timer);
    this.catchUps.clear();
    for (const wake of [...this.parentWaiters]) wake();
  }

  // ---- internals ----

  private async load(): Promise<void> {
    const stored = await this.loadStored();
    this.history = this.historyOf(stored);
    if (stored) this.noteStored();
    this.reportResident();
    this.followShared();
  }

  /** The history (and event counters) a stored state makes. */
  private historyOf(stored: StoredResource | undefined): TextHistory {
    const def = this.options;
    let text: string;
    let version: string[];
    if (stored?.base) {
      if (typeof stored.base.value !== 'string')
        throw new Error(`${this.path}: the stored base is not a text`);
      text = stored.base.value;
      version = stored.base.version;
    } else {
      const initial = typeof def.initial === 'function' ? def.initial(this.params, this.path) : def.initial;
      if (typeof initial !== 'string')
        throw new TypeError(`braid.text(${this.path}): initial is not a string`);
      text = initial;
      version = def.initialVersion === undefined ? [] : [def.initialVersion];
    }
    const { maxHistory, maxHistoryBytes, maxKnownVersions } = this.ctx.limits;
    const history = new TextHistory(
      { version, text, seq: stored?.base?.seq },
      maxHistory,
      maxHistoryBytes,
      MAX_SIDE_STATES,
    );
    this.counters = new AgentCounters(maxKnownVersions);
    for (const record of stored?.records ?? []) this.pushStored(history, record, false);
    return history;
  }

  /** A stored (or another node's) version appended to `history`; its entry. */
  private pushStored(history: TextHistory, stored: VersionRecord, withDigest: boolean): TextEntry {
    const read = readTextRecord(stored);
    if (!read)
      throw new Error(`${this.path}: a stored version is not a text version (was it a JSON resource?)`);
    const { record, splices } = read;
    const next = applySplices(history.headText, splices);
    const run = runOf(record.version, record.events);
    if (run) this.counters.record(run);
    const digest = withDigest && this.options.digests !== false ? textDigest(next) : undefined;
    return history.push(
      {
        id: record.version,
        run,
        frontier: record.frontier,
        parents: record.parents,
        splices,
        text: next,
        peer: record.peer,
        time: record.time,
        transformed: record.transformed,
        wire: textUpdateBytes({ version: record.frontier, parents: record.parents, digest, splices }),
      },
      undefined,
    );
  }

  protected get headSeq(): number {
    return this.history.headSeq;
  }

  protected headChange(): ResourceChange {
    return { version: this.head.version, parents: [], value: this.history.headText };
  }

  /** A version of the shared log (another node's, or one a lost append brought back). */
  protected applyLogged(record: VersionRecord): void {
    this.publish(this.pushStored(this.history, record, true));
    for (const wake of [...this.parentWaiters]) wake();
  }

  protected restart(stored: StoredResource | undefined): void {
    this.history = this.historyOf(stored);
  }

  /** Ends every subscription (they reconnect and catch up); catch-ups pending are moot. */
  protected closeStreams(): void {
    for (const subscriber of [...this.subscribers]) subscriber.sink.close();
    for (const pending of this.catchUps.values()) clearTimeout(pending.timer);
    this.catchUps.clear();
  }

  /** The head's length in code points, counted once per version (not a scan of the text per write). */
  private headLength(): number {
    const h = this.history;
    if (this.headCodePoints?.seq !== h.headSeq) {
      const previous = this.headCodePoints;
      const entry = previous?.seq === h.headSeq - 1 ? h.versions.at(-1) : undefined;
      const length =
        entry && previous ? previous.length + lengthChange(entry.splices) : codePointLength(h.headText);
      this.headCodePoints = { seq: h.headSeq, length };
    }
    return this.headCodePoints.length;
  }

  /** Its texts and the wire bytes of its history. */
  protected estimateBytes(): number {
    return this.history.byteSize + this.history.headText.length * 2;
  }

  /** Waits (bounded) for a write that makes `parents` known: a writer's next PUT may arrive before its last. */
  private parentsArrive(parents: string[]): Promise<void> {
    if (this.parentWaiters.size >= MAX_WAITING_WRITES) throw new ResourceError('busy', 'The server is busy.');
    return new Promise((resolve) => {
      const wake = () => {
        if (this.history.locate(parents) || !this.parentWaiters.has(wake)) done();
      };
      const done = () => {
        clearTimeout(timer);
        this.parentWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(done, PARENTS_WAIT_MS);
      this.parentWaiters.add(wake);
    });
  }

  private async applyWrite(proposal: TextWriteProposal): Promise<TextWriteOutcome> {
    // On a shared log a write that lost the race to another node takes in the versions it missed and is
    // positioned again (appendShared bounds the attempts); on a store of our own the first attempt is the last.
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attemptWrite(proposal, attempt);
      if (outcome !== 'moved') return outcome;
    }
  }

  private async attemptWrite(
    proposal: TextWriteProposal,
    attempt: number,
  ): Promise<TextWriteOutcome | 'moved'> {
    const h = this.history;
    const claimed = proposal.version === undefined ? undefined : parseEventId(proposal.version);
    if (proposal.version !== undefined && !claimed)
      throw new ResourceError(
        'bad-version',
        `bad Version ${JSON.stringify(proposal.version)}: expected "agent-seq"`,
      );
    if (claimed && this.counters.applied(claimed.agent, claimed.seq))
      return { kind: 'duplicate', frontier: [...h.headFrontier] };

    const base = proposal.parents === undefined ? h.linearState(h.headSeq) : h.locate(proposal.parents);
    if (!base) throw this.unknown(proposal.parents!);
    const splices = resolveSplices(
      proposal.edit,
      base.text === h.headText ? this.headLength() : codePointLength(base.text),
    );
    const events = spliceEventCount(splices);
    if (events === 0) return { kind: 'no-op', frontier: [...h.headFrontier] };

    const agent = claimed?.agent ?? proposal.peer ?? randomAgent();
    const last = claimed?.seq ?? (this.counters.get(agent) ?? -1) + events;
    const run: EventRun = { agent, first: last - events + 1, last };
    if (run.first < 0)
      throw new ResourceError(
        'bad-version',
        `version seq ${last} is too low for ${events} changes — use seq >= ${events - 1}`,
      );
    if (this.counters.overlaps(run))
      throw new ResourceError('bad-version', `version ${agent}-${last} covers events ${agent} already sent`);
    const id = `${agent}-${last}`;

    const transformed = base.seq !== h.headSeq || base.text !== h.headText || base.baseSeq !== base.seq;
    const rebased = transformed ? this.rebase(splices, base) : { landed: splices, behind: [] };
    const landed = rebased.landed;
    const prev = h.headText;
    const next = applySplices(prev, landed);
    const maxLength = this.options.maxLength ?? DEFAULT_MAX_LENGTH;
    if (next.length > maxLength && codePointLength(next) > maxLength)
      throw new ResourceError('document-too-large', `the text would be longer than ${maxLength} code points`);
    if (!transformed && proposal.digest !== undefined && proposal.digest !== textDigest(next))
      throw new ResourceError(
        'digest-mismatch',
        'repr-digest mismatch: the texts differ; nothing was applied',
      );
    const validate = this.options.validate;
    if (proposal.req && validate)
      await runValidate((n, p, r) => validate(n as string, p as string, r), next, prev, proposal.req);

    const frontier = transformed
      ? [...new Set([...h.headFrontier.filter((e) => !h.includes(base, e)), id])].sort()
      : [id];
    const record: TextVersionRecord = {
      version: id,
      parents: h.headFrontier,
      patches: splicesAsPatches(landed),
      time: Date.now(),
      frontier,
      events,
      transformed,
    };
    if (proposal.peer !== undefined) record.peer = proposal.peer;
    // A retry of the same PUT (same Parents and splices as sent) has the same digest: the log says duplicate.
    const writeId = writeDigest(proposal.parents, splicesAsPatches(splices));
    const stored = await this.storeVersion(record, h.headSeq, writeId, attempt);
    if (stored === 'duplicate') return { kind: 'duplicate', frontier: [...this.history.headFrontier] };
    if (stored === 'moved') return 'moved';
    this.counters.record(run);
    const wire = textUpdateBytes({
      version: frontier,
      parents: h.headFrontier,
      digest: this.options.digests === false ? undefined : textDigest(next),
      splices: landed,
    });
    const side = transformed
      ? {
          text: applySplices(base.text, splices),
          baseSeq: base.baseSeq,
          extra: new Set([...base.extra, id]),
          behind: rebased.behind,
        }
      : undefined;
    const entry = h.push(
      {
        id,
        run,
        frontier,
        parents: record.parents,
        splices: landed,
        text: next,
        peer: proposal.peer,
        time: record.time,
        transformed,
        wire,
      },
      side,
    );
    this.reportResident();
    this.publish(entry);
    for (const wake of [...this.parentWaiters]) wake();
    this.compactIfDue(() => {
      const { root, versions } = this.history;
      return {
        root: { seq: root.seq, version: root.frontier, value: root.text },
        records: () => versions.map(toRecord),
      };
    });
    return { kind: 'applied', entry };
  }

  /**
   * Splices positioned against `base` rewritten to apply at the head (the existing versions ordered first), and
   * what the writer has not seen: the versions it was transformed over, transformed over its splices, as one
   * parallel set against its own new text (its catch-up, without diffing texts). Undefined `behind` when a step
   * leaves splices (then the catch-up diffs).
   */
  private rebase(splices: TextSplice[], base: TextState): { landed: TextSplice[]; behind?: TextSplice[] } {
    const h = this.history;
    let landed = splices;
    const later = h.after(base.seq);
    // Composing is linear in the splices so far, per step: past a few dozen versions a diff of the texts is
    // cheaper (see splicesToHead), so `behind` is left unknown.
    let behind: TextSplice[] | undefined = later.length <= MAX_COMPOSED_VERSIONS ? [] : undefined;
    const over = (theirs: readonly TextSplice[]) => {
      if (behind) behind = composeSplices(behind, transformSplices(theirs, landed, false));
      landed = transformSplices(landed, theirs, true);
    };
    // A writer's own (side) state first catches up to the linear state it was merged into.
    const catchUp = base.behind ?? diffText(base.text, h.textAt(base.seq));
    if (catchUp.length) over(catchUp);
    for (const entry of later) over(entry.splices);
    const problem = checkSplices(landed, this.headLength());
    // (Cannot happen while the history is consistent: refused rather than applied wrong.)
    if (problem)
      throw new ResourceError('write-conflict', `conflict: the edit does not apply at the head (${problem})`);
    return { landed, behind };
  }

  /** Splices from a state's text to the head's: composed from what is known, or (unknown) a diff of the texts. */
  private splicesToHead(state: TextState): TextSplice[] {
    const h = this.history;
    const later = h.after(state.seq);
    if (state.behind === undefined || later.length > MAX_COMPOSED_VERSIONS)
      return diffText(state.text, h.headText);
    let splices: TextSplice[] = [...state.behind];
    for (const entry of later) splices = composeSplices(splices, entry.splices);
    return splices;
  }

  /**
   * Everyone but the writer gets the version (the writer has it already); subscribers waiting for a catch-up
   * get nothing now (the catch-up will cover it). A writer whose edit was transformed gets its catch-up once
   * its writes pause.
   */
  private publish(entry: TextEntry): void {
    const writer = entry.peer;
    for (const subscriber of this.subscribers) {
      const peer = subscriber.peer;
      if (peer !== undefined && (peer === writer || this.catchUps.has(peer))) continue;
      this.enqueue(subscriber, entry.wire);
    }
    if (writer !== undefined) {
      if (entry.transformed) this.scheduleCatchUp(writer, entry.id);
      else this.cancelCatchUp(writer);
    }
    if (this.listeners.size === 0) return;
    const change: ResourceChange = {
      version: [...entry.frontier],
      parents: [...entry.parents],
      patches: splicesAsPatches(entry.splices),
      value: entry.text,
    };
    for (const listener of this.listeners) this.notify(listener, change);
  }

  /** braid-text's timing: min(3000, 23·1.5^(n-1)) ms after the n-th consecutive transformed PUT. */
  private scheduleCatchUp(peer: string, lastId: string): void {
    const previous = this.catchUps.get(peer);
    if (previous) clearTimeout(previous.timer);
    const count = (previous?.count ?? 0) + 1;
    const delay = Math.min(3000, 23 * 1.5 ** (count - 1));
    const timer = setTimeout(() => this.sendCatchUp(peer), delay);
    this.catchUps.set(peer, { timer, lastId, count });
  }

  private cancelCatchUp(peer: string): void {
    const pending = this.catchUps.get(peer);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.catchUps.delete(peer);
  }

  private sendCatchUp(peer: string): void {
    const pending = this.catchUps.get(peer);
    if (!pending) return;
    this.catchUps.delete(peer);
    const h = this.history;
    const state = h.locate([pending.lastId]);
    let bytes: Uint8Array | undefined;
    if (state) {
      bytes = textUpdateBytes({
        version: h.headFrontier,
        parents: [pending.lastId],
        digest: this.headDigest(),
        splices: this.splicesToHead(state),
      });
    }
    for (const subscriber of this.subscribers) {
      if (subscriber.peer !== peer) continue;
      // Its state left memory: it must start over (it reconnects; an unknown Parents gets 309, then a snapshot).
      if (bytes) this.writeNow(subscriber, bytes);
      else subscriber.sink.close();
    }
  }

  /**
   * Fan-out in batches: updates accepted in the same turn of the event loop (many typists: many PUTs per turn)
   * leave in one write per subscriber, at the end of the turn, instead of one socket write per update each.
   */
  private enqueue(subscriber: TextSubscriber, bytes: Uint8Array): void {
    const queued = this.outbox.get(subscriber);
    if (queued) queued.push(bytes);
    else this.outbox.set(subscriber, [bytes]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    endOfTurn(() => this.flushOutbox());
  }

  private flushOutbox(): void {
    this.flushScheduled = false;
    // Subscribers sent the same updates share one buffer (the common case: everyone but the writers).
    let sharedFor: Uint8Array[] | undefined;
    let shared: Uint8Array | undefined;
    for (const [subscriber, queued] of this.outbox) {
      if (queued.length === 1) {
        subscriber.sink.write(queued[0]);
        continue;
      }
      if (!sharedFor || !sameBuffers(sharedFor, queued)) {
        sharedFor = queued;
        shared = Buffer.concat(queued);
      }
      subscriber.sink.write(shared!);
    }
    this.outbox.clear();
  }

  /** A write to one subscriber now (a catch-up), after what is queued for it. */
  private writeNow(subscriber: TextSubscriber, bytes: Uint8Array): void {
    const queued = this.outbox.get(subscriber);
    if (!queued) {
      subscriber.sink.write(bytes);
      return;
    }
    this.outbox.delete(subscriber);
    subscriber.sink.write(Buffer.concat([...queued, bytes]));
  }
}

function toRecord(e: TextEntry): TextVersionRecord {
  const record: TextVersionRecord = {
    version: e.id,
    parents: e.parents,
    patches: splicesAsPatches(e.splices),
    time: e.time,
    frontier: e.frontier,
    events: e.run ? e.run.last - e.run.first + 1 : 0,
    transformed: e.transformed,
  };
  if (e.peer !== undefined) record.peer = e.peer;
  return record;
}

function runOf(id: string, events: number): EventRun | undefined {
  const parsed = parseEventId(id);
  return parsed && { agent: parsed.agent, first: parsed.seq - events + 1, last: parsed.seq };
}

/** Absolute, sorted, checked splices against `text` (400 when they do not fit it). */
function resolveSplices(edit: TextWriteProposal['edit'], length: number): TextSplice[] {
  if ('text' in edit) return [{ start: 0, end: length, content: edit.text }];
  const absolute = (n: number) => (n < 0 || Object.is(n, -0) ? length + n : n);
  const splices = sortSplices(
    edit.splices.map((s) => ({ start: absolute(s.start), end: absolute(s.end), content: s.content })),
  );
  const problem = checkSplices(splices, length);
  if (problem) throw new ResourceError('patches-do-not-apply', `invalid patch range position: ${problem}`);
  return splices;
}

/** How many code points a parallel set adds (negative: removes). */
function lengthChange(splices: readonly TextSplice[]): number {
  let change = 0;
  for (const s of splices) change += codePointLength(s.content) - (s.end - s.start);
  return change;
}

/** After the I/O of this turn of the event loop (setImmediate; a zero timeout where there is none). */
const endOfTurn: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);

function sameBuffers(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((bytes, i) => bytes === b[i]);
}

function randomAgent(): string {
  return Math.random().toString(36).slice(2, 7);
}
