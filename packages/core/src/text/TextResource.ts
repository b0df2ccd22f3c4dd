import { BraidError, backoffDelay, type FetchLike, parseRetryAfter } from '../client/index';
import { readSubscription } from '../client/readSubscription';
import { concatBytes } from '../concatBytes';
import { codePointLength } from '../protocol/codePoints';
import { formatVersions, type Update } from '../protocol/index';
import {
  applySplices,
  checkSplices,
  diffText,
  sortSplices,
  spliceEventCount,
  type TextSplice,
} from './splices';
import { type InheritedPut, TabTextLink, type TextTabHub } from './tabText';
import { transformSplices } from './transformSplices';

export type TextStatus = 'connecting' | 'live' | 'offline' | 'closed';

/** What a listener hears after the text changed. */
export interface TextChange {
  text: string;
  /** What changed (a parallel set of splices against the text before); undefined for a (re)load. */
  splices?: readonly TextSplice[];
  /** Why: a local edit, a remote update, or a (re)load of the whole text. */
  source: 'local' | 'remote' | 'load';
}

export interface TextResourceOptions {
  fetch?: FetchLike;
  /**
   * The fetch of the subscription (default: `fetch`): `client.subscriptionFetch` of a BraidClient puts it on
   * the client's multiplexer stream.
   */
  subscribeFetch?: FetchLike;
  /** This client's id (Peer header, and the agent of its version ids). Default: random. */
  peer?: string;
  /** Extra request headers (auth). */
  headers?: Record<string, string>;
  /** Most PUTs in flight at once; later edits are collapsed into one. Default 10 (as simpleton). */
  maxInFlight?: number;
  /** Heartbeats asked of the server, in seconds. Default 20. */
  heartbeatSeconds?: number;
  /**
   * A BraidClient with `persist`: the tabs of the profile share ONE subscription of this text, the leader tab's
   * (see TabTextLink). Without `persist` (or BroadcastChannel), this resource subscribes on its own.
   */
  client?: { readonly tabs?: () => Promise<{ hub?: TextTabHub }> };
}

interface SentPut {
  /** Another tab's (a closed leader's PUT, resent as it was). */
  peer?: string;
  version: string;
  parents: string[];
  splices: TextSplice[];
  attempt: number;
  generation: number;
}

const MAX_PUT_ATTEMPTS = 8;
/** Longer than the server's longest catch-up delay (3 s in braid-text and braid-live). */
const CATCH_UP_WAIT_MS = 3500;

/**
 * A live plain-text resource spoken over simpleton (DESIGN.md "Text resources"): the text is held locally, every
 * local edit is applied at once and sent as a PUT of its splices (code points) naming its last event, and a
 * remote update is applied only when it is based on exactly this client's version and nothing is waiting to be
 * sent — the server sends a writer whose edit it transformed the catch-up it needs (Parents = the writer's own
 * version), so the client never rebases. Works against braid-live's `braid.text` and braid-text alike.
 *
 * `hold()` / `release()` keep remote updates back (while an IME composes): they are applied after, or dropped
 * for the catch-up when a local edit was made meanwhile.
 */
export class TextResource {
  readonly url: string;
  readonly peer: string;
  private current = '';
  private version: string[] = [];
  /** The text as of the last PUT sent (or update applied): edits past it are not sent yet. */
  private sentText = '';
  private counter = -1;
  private inFlight = 0;
  /**
   * No new PUT starts (edits stay unsent) while a (re)subscription waits for the PUTs in flight: the server may
   * not have them yet, and a snapshot taken without them would make their text look deleted by others.
   */
  private putsHeld = false;
  private putsSettled: (() => void) | undefined;
  private loaded = false;
  private loadedOnce = false;
  /** Bumped by every resync: PUTs of an older generation stop retrying (their base is gone). */
  private generation = 0;
  private statusValue: TextStatus = 'connecting';
  private errorValue: BraidError | undefined;
  private readonly listeners = new Set<(change: TextChange) => void>();
  private readonly statusListeners = new Set<() => void>();
  private readonly errorListeners = new Set<(error: BraidError) => void>();
  private holds = 0;
  private stuckTimer: ReturnType<typeof setTimeout> | undefined;
  private held: Update[] = [];
  private controller: AbortController | undefined;
  private reconnects = 0;
  private closed = false;
  private readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private readonly fetchFn: FetchLike;
  private readonly maxInFlight: number;
  /** With `client`: the link to the other tabs (this resource follows while another tab leads). */
  private link: TabTextLink | undefined;
  private following = false;
  private connecting = false;
  private leaderPending = false;
  private readonly unacked = new Set<SentPut>();
  private resends: Promise<void> = Promise.resolve();

  constructor(
    url: string,
    private readonly options: TextResourceOptions = {},
  ) {
    // Relative to the page, as fetch would take it (a multiplexer needs the origin).
    this.url = typeof location === 'undefined' ? url : new URL(url, location.href).href;
    this.peer = options.peer ?? Math.random().toString(36).slice(2, 12);
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.maxInFlight = options.maxInFlight ?? 10;
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    const tabs = options.client?.tabs;
    if (!tabs) {
      void this.connect();
      return;
    }
    this.following = true; // until the tabs know who leads
    void tabs().then(
      ({ hub }) => {
        if (this.closed) return;
        if (hub && typeof BroadcastChannel !== 'undefined') this.link = new TabTextLink(this, hub);
        else this.lead(undefined);
      },
      () => this.lead(undefined),
    );
  }

  /** Resolves once the text was loaded. */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  get text(): string {
    return this.current;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Sorted ids of the version this client's text is (its own last edit, or the last update applied). */
  get currentVersion(): readonly string[] {
    return this.version;
  }

  get status(): TextStatus {
    return this.statusValue;
  }

  /** The last error (a refused edit, a refused subscription), until the next successful load. */
  get error(): BraidError | undefined {
    return this.errorValue;
  }

  /** Edits applied locally and not yet acknowledged, or not yet sent. */
  get pending(): boolean {
    if (this.link?.following) return this.link.unaccepted || this.leaderPending || this.inFlight > 0;
    return this.inFlight > 0 || this.current !== this.sentText;
  }

  /** Listens to every change of the text. Returns unsubscribe. */
  subscribe(listener: (change: TextChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  onError(listener: (error: BraidError) => void): () => void {
    this.errorListeners.add(listener);
    return () => {
      this.errorListeners.delete(listener);
    };
  }

  /** Applies a parallel set of splices (code points, against the current text) and sends it. */
  edit(splices: readonly TextSplice[]): void {
    if (this.closed) throw new Error(`TextResource(${this.url}) is closed`);
    const sorted = sortSplices(splices).filter((s) => s.start !== s.end || s.content !== '');
    if (sorted.length === 0) return;
    const problem = checkSplices(sorted, codePointLength(this.current));
    if (problem) throw new RangeError(`TextResource.edit: ${problem}`);
    // Nothing waiting: send the splices as made (the user's intent, e.g. a replacement the diff would split).
    const exact = this.current === this.sentText ? sorted : undefined;
    this.current = applySplices(this.current, sorted);
    this.emit({ text: this.current, splices: sorted, source: 'local' });
    if (this.link?.following) this.link.local(sorted);
    else this.flush(exact);
  }

  /** Replaces the text (sent as the splices of a diff). */
  setText(next: string): void {
    this.edit(diffText(this.current, next));
  }

  /** Keeps remote updates back until the matching `release()` (nestable). */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (this.holds === 0) return;
    this.holds--;
    if (this.holds > 0) return;
    const queued = this.held;
    this.held = [];
    for (const update of queued) this.receive(update);
    this.link?.released();
  }

  close(): void {
    if (this.closed) return;
    this.link?.close(); // (first: a leader's handover sends what is unsent, which a closed resource would not)
    this.closed = true;
    this.clearStuckTimer();
    this.controller?.abort();
    this.putsSettled?.();
    this.setStatus('closed');
    this.listeners.clear();
  }

  // ---- shared among tabs (TabTextLink) ----

  /** @internal The text as of the last PUT sent. */
  get unsentBase(): string {
    return this.sentText;
  }

  /** @internal The PUTs sent and not acknowledged yet (a leader hands them over when it closes). */
  get unacknowledged(): InheritedPut[] {
    return [...this.unacked].map((put) => ({
      peer: put.peer ?? this.peer,
      version: put.version,
      parents: put.parents,
      splices: put.splices,
    }));
  }

  /** @internal A closed leader's PUT, sent again as it was (the server answers a true retry 200, no change). */
  resend(put: InheritedPut): void {
    if (this.closed) return;
    const sent: SentPut = { ...put, attempt: 0, generation: this.generation };
    this.unacked.add(sent);
    this.inFlight++;
    // One after the other: each names the one before as its parent (sent at once, most would wait on a 309).
    this.resends = this.resends.then(() => this.send(sent));
  }

  /** @internal Remote changes are held back. */
  get holding(): boolean {
    return this.holds > 0;
  }

  /** @internal This tab leads: subscribe; what was typed since `base` (the leader's text) is carried over. */
  lead(base: string | undefined, text?: string): void {
    if (this.closed) return;
    // (Also when the old leader's handover comes after this tab took over, as long as the text is not loaded.)
    if ((this.following || !this.loaded) && this.loadedOnce && base !== undefined) {
      this.sentText = base;
      this.loaded = false;
      if (text !== undefined && text !== this.current) {
        this.current = text;
        this.emit({ text, source: 'load' });
      }
    }
    this.following = false;
    if (!this.connecting) void this.connect();
  }

  /** @internal Another tab leads: no subscription, no new PUT. Returns the text as last sent. */
  follow(): string {
    this.following = true;
    this.clearStuckTimer();
    this.controller?.abort();
    return this.sentText;
  }

  /** @internal The leader's text, with this tab's unaccepted splices on top (`splices`: a change, else a load). */
  sharedText(text: string, splices: TextSplice[] | undefined, version: readonly string[]): void {
    if (this.closed) return;
    this.current = text;
    this.sentText = text;
    this.version = [...version];
    if (splices) {
      this.emit({ text, splices, source: 'remote' });
      return;
    }
    this.loaded = true;
    this.loadedOnce = true;
    this.errorValue = undefined;
    this.emit({ text, source: 'load' });
    this.resolveReady();
  }

  /** @internal The leader's status (and whether it has edits unconfirmed by the server). */
  sharedStatus(status: TextStatus, pending: boolean): void {
    this.leaderPending = pending;
    if (this.loaded) this.setStatus(status);
    this.emitStatus();
  }

  // ---- sending ----

  /** Sends what is unsent, as one PUT, if a slot is free. */
  private flush(exact?: TextSplice[]): void {
    if (
      this.closed ||
      this.following ||
      this.putsHeld ||
      this.current === this.sentText ||
      this.inFlight >= this.maxInFlight ||
      !this.loaded
    )
      return;
    this.put(exact ?? diffText(this.sentText, this.current));
  }

  /**
   * @internal A leader that closes: what it has not sent goes out now as one PUT, past the in-flight limit, so that
   * it has a Version; the next leader resends it as it is (however many tabs take over at once, the server applies
   * it once). Only while loaded: between loads the version may be one the server refused, and the handover's
   * text carries what is unsent instead.
   */
  sealUnsent(): void {
    if (this.closed || this.following || this.putsHeld || this.current === this.sentText || !this.loaded)
      return;
    this.put(diffText(this.sentText, this.current));
  }

  private put(splices: TextSplice[]): void {
    const events = spliceEventCount(splices);
    this.counter += events;
    const put: SentPut = {
      version: `${this.peer}-${this.counter}`,
      parents: this.version,
      splices,
      attempt: 0,
      generation: this.generation,
    };
    this.version = [put.version];
    this.sentText = this.current;
    this.unacked.add(put);
    this.inFlight++;
    void this.send(put);
  }

  private async send(put: SentPut): Promise<void> {
    for (;;) {
      let failure: BraidError;
      const body = putBody(put.splices);
      try {
        const response = await this.fetchFn(this.url, {
          method: 'PUT',
          headers: this.putHeaders(put),
          body,
          // Finishes after the page is gone (a leader tab serves the other tabs' edits too), within the browser's
          // 64 KiB for such requests.
          keepalive: body.length < 32_768,
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) break;
        failure = new BraidError(
          response.status < 500 || response.status === 550 ? 'rejected' : 'network',
          this.url,
          `PUT ${put.version}: ${response.status} ${response.statusText}`,
          { status: response.status },
        );
        // Refused for good (bad input, validate, digest): the server will never have it. Start over from its text.
        const retryable = [309, 408, 425, 429, 500, 502, 503, 504].includes(response.status);
        if (!retryable || put.attempt >= MAX_PUT_ATTEMPTS) {
          this.putDone(put);
          this.fail(failure);
          this.resync();
          return;
        }
        await sleep(parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(put.attempt));
      } catch (error) {
        if (this.closed) return;
        failure = new BraidError('network', this.url, `PUT ${put.version} failed: ${String(error)}`, {
          cause: error,
        });
        if (put.attempt >= MAX_PUT_ATTEMPTS) {
          this.putDone(put);
          this.fail(failure);
          this.resync();
          return;
        }
        await sleep(backoffDelay(put.attempt));
      }
      if (this.closed) return;
      if (put.generation !== this.generation) {
        this.putDone(put);
        return;
      }
      put.attempt++; // the same Version again: a duplicate is a no-op on the server
    }
    this.putDone(put);
    this.flush();
    this.emitStatus();
  }

  /** One PUT acknowledged, or given up. */
  private putDone(put: SentPut): void {
    this.unacked.delete(put);
    this.inFlight--;
    if (this.inFlight === 0) this.putsSettled?.();
  }

  /** Holds new PUTs and waits until none is in flight (each ends: acknowledged, or failed and reported). */
  private async settlePuts(): Promise<void> {
    this.putsHeld = true;
    while (this.inFlight > 0 && !this.closed)
      await new Promise<void>((resolve) => {
        this.putsSettled = resolve;
      });
    this.putsSettled = undefined;
  }

  /** Sends what was typed while PUTs were held. */
  private releasePuts(): void {
    if (!this.putsHeld) return;
    this.putsHeld = false;
    this.flush();
  }

  private putHeaders(put: SentPut): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.options.headers,
      'Merge-Type': 'simpleton',
      Peer: put.peer ?? this.peer,
      Version: formatVersions([put.version]),
      Parents: formatVersions(put.parents),
    };
    if (put.splices.length === 1) {
      headers['Content-Range'] = `text [${put.splices[0].start}:${put.splices[0].end}]`;
      headers['Content-Type'] = 'text/plain; charset=utf-8';
    } else {
      headers.Patches = String(put.splices.length);
      headers['Content-Type'] = `application/http-patches; count=${put.splices.length}`;
    }
    return headers;
  }

  // ---- receiving ----

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      await this.subscribeLoop();
    } finally {
      this.connecting = false;
    }
  }

  private async subscribeLoop(): Promise<void> {
    while (!this.closed && !this.following) {
      const controller = new AbortController();
      this.controller = controller;
      this.setStatus('connecting');
      let retryAfter: number | undefined;
      // A snapshot after a resync carries unsent edits over by a diff from the text as last sent: PUTs still
      // in flight must be in it (or have failed), else their text would look deleted by someone else.
      if (!this.loaded && this.loadedOnce && this.inFlight > 0) await this.settlePuts();
      if (this.closed) return;
      try {
        const headers: Record<string, string> = {
          ...this.options.headers,
          Subscribe: 'true',
          'Merge-Type': 'simpleton',
          Peer: this.peer,
          Heartbeats: String(this.options.heartbeatSeconds ?? 20),
        };
        if (this.loaded && this.version.length) headers.Parents = formatVersions(this.version);
        const response = await (this.options.subscribeFetch ?? this.fetchFn)(this.url, {
          headers,
          signal: controller.signal,
        });
        if (response.status === 309 || response.status === 410) {
          await response.arrayBuffer().catch(() => undefined);
          // Our version is a PUT the server has not applied yet (its PUTs may be held back, retried after a
          // 503): ask again from it once they are in. Loading the server's text now would drop what it lacks,
          // and the unsent edits typed into that text with it.
          if (this.loaded && this.inFlight > 0) {
            await this.settlePuts();
            continue;
          }
          // Our version is unknown there: load the whole text again.
          this.loaded = false;
          continue;
        }
        this.releasePuts();
        if (response.status !== 209 && response.status !== 200) {
          const text = await response.text().catch(() => '');
          const error = new BraidError('http', this.url, `subscribe: ${response.status} ${text.trim()}`, {
            status: response.status,
          });
          this.fail(error);
          if (
            response.status >= 400 &&
            response.status < 500 &&
            response.status !== 408 &&
            response.status !== 429
          ) {
            this.setStatus('offline');
            return;
          }
          retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        } else {
          this.reconnects = 0;
          if (this.loaded) this.setStatus('live');
          try {
            await readSubscription(
              response,
              (update) => this.receive(update),
              () => controller.abort(),
            );
          } catch {
            // The stream went silent past its heartbeats, or was cut (mid-update too): nothing to report, the
            // subscription is simply opened again from our version below. (Failures to reconnect are reported.)
          }
        }
      } catch (error) {
        if (this.closed) return;
        if (!(error instanceof Error && error.name === 'AbortError')) {
          this.fail(
            new BraidError('network', this.url, `subscription failed: ${String(error)}`, { cause: error }),
          );
        }
      }
      if (this.closed || this.following) return;
      this.releasePuts(); // (the subscription request failed: edits go out meanwhile, as when offline)
      this.setStatus('offline');
      await sleep(retryAfter ?? backoffDelay(this.reconnects++));
    }
  }

  /** One update: applied only when based on exactly our version with nothing unsent (else the catch-up comes). */
  private receive(update: Update): void {
    if (this.closed || this.following) return;
    if (this.holds > 0) {
      this.held.push(update);
      return;
    }
    const parents = [...update.parents].sort();
    if (!this.loaded) {
      // The first update of a fresh subscription: the whole text.
      if (update.body === undefined) return;
      this.load(new TextDecoder().decode(update.body), [...update.version].sort());
      return;
    }
    if (this.current !== this.sentText || !sameIds(parents, this.version)) {
      this.expectCatchUp();
      return;
    }
    this.clearStuckTimer();
    let splices: TextSplice[];
    if (update.body !== undefined) {
      splices = diffText(this.current, new TextDecoder().decode(update.body));
    } else {
      splices = sortSplices((update.patches ?? []).map(toSplice));
      const problem = checkSplices(splices, codePointLength(this.current));
      if (problem) {
        this.fail(
          new BraidError('protocol', this.url, `update ${formatVersions(update.version)}: ${problem}`),
        );
        this.resync();
        return;
      }
    }
    this.current = applySplices(this.current, splices);
    this.sentText = this.current;
    this.version = [...update.version].sort();
    // Also without splices (a catch-up that only names the new version): listeners may track the version.
    this.emit({ text: this.current, splices, source: 'remote' });
  }

  /**
   * An update was dropped: the server owes us a catch-up (Parents = our version). If none comes within the
   * longest catch-up delay, our version and the server's idea of it differ (a PUT crossed a reconnect):
   * resubscribe from our version, which brings us to the head.
   */
  private expectCatchUp(): void {
    if (this.stuckTimer !== undefined) return;
    this.stuckTimer = setTimeout(() => {
      this.stuckTimer = undefined;
      if (!this.closed && !this.pending) this.controller?.abort();
      else if (!this.closed) this.expectCatchUp();
    }, CATCH_UP_WAIT_MS);
  }

  private clearStuckTimer(): void {
    clearTimeout(this.stuckTimer);
    this.stuckTimer = undefined;
  }

  /** The whole text from the server; unsent local edits (if any) are carried over onto it. */
  private load(text: string, version: string[]): void {
    // (Before the first load sentText is '': what was typed before any text arrived is kept, after the server's.)
    const unsent = diffText(this.sentText, this.current);
    const theirs = diffText(this.sentText, text);
    // (Text semantics: what was typed survives what the server's text lacks around it.)
    const next = unsent.length ? applySplices(text, transformSplices(unsent, theirs, true)) : text;
    this.sentText = text;
    this.current = next;
    this.version = version;
    this.loaded = true;
    this.loadedOnce = true;
    this.errorValue = undefined;
    this.setStatus('live');
    this.emit({ text: this.current, source: 'load' });
    this.resolveReady();
    this.flush();
  }

  /** Starts over: a fresh subscription (without Parents) loads the server's text. */
  private resync(): void {
    this.loaded = false;
    this.generation++;
    this.controller?.abort();
  }

  private fail(error: BraidError): void {
    this.errorValue = error;
    for (const listener of this.errorListeners) listener(error);
    this.emitStatus();
  }

  private emit(change: TextChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private setStatus(status: TextStatus): void {
    if (this.statusValue === status || (this.closed && status !== 'closed')) return;
    this.statusValue = status;
    this.emitStatus();
  }

  private emitStatus(): void {
    for (const listener of this.statusListeners) listener();
  }
}

const RANGE = /\[\s*(\d+)\s*:\s*(\d+)\s*\]/;
const decoder = new TextDecoder();

function toSplice(frame: { unit: string; range: string; content: Uint8Array }): TextSplice {
  const m = RANGE.exec(frame.range);
  if (frame.unit !== 'text' || !m) return { start: -1, end: -1, content: '' }; // refused by checkSplices
  return { start: Number(m[1]), end: Number(m[2]), content: decoder.decode(frame.content) };
}

function putBody(splices: readonly TextSplice[]): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  if (splices.length === 1) return encoder.encode(splices[0].content);
  const parts: Uint8Array[] = [];
  for (const s of splices) {
    const content = encoder.encode(s.content);
    parts.push(
      encoder.encode(
        `Content-Length: ${content.length}\r\nContent-Range: text [${s.start}:${s.end}]\r\n\r\n`,
      ),
      content,
      encoder.encode('\r\n\r\n'),
    );
  }
  return concatBytes(parts);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
