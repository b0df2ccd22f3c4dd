import { applySplices, composeSplices, diffText, type TextSplice } from './splices';
import type { TextStatus } from './TextResource';
import { transformSplices } from './transformSplices';

/** What a TextResource needs of the tab hub (tabs/TabHub.ts) to share one subscription among the tabs. */
export interface TextTabHub {
  readonly appName: string;
  readonly tabId: string;
  /** The tab that leads (this one's id when it leads); undefined while it is handed over. */
  readonly leader: string | undefined;
  onLeaderChange(listener: () => void): () => void;
}

/** What the link drives in its TextResource (internal methods of TextResource). */
export interface SharedTextHost {
  readonly url: string;
  readonly text: string;
  readonly isLoaded: boolean;
  readonly status: TextStatus;
  readonly pending: boolean;
  readonly currentVersion: readonly string[];
  /** The text as last sent (a leader: what is past it is not in a PUT yet). */
  readonly unsentBase: string;
  /** A leader's PUTs not acknowledged yet. */
  readonly unacknowledged: InheritedPut[];
  /** Resends a closed leader's PUT as it was (its peer, Version, Parents), before this resource's next load. */
  resend(put: InheritedPut): void;
  /** A closing leader: what is unsent goes out now as one PUT (listed in `unacknowledged`). */
  sealUnsent(): void;
  /** Whether remote changes are held back (an IME composes). */
  readonly holding: boolean;
  /** Lead: hold the subscription, send the PUTs (what `text` has past `base` is carried onto the server's). */
  lead(base: string | undefined, text?: string): void;
  /** Follow: no subscription, no PUTs of its own. Returns the text as last sent (what is past it is unsent). */
  follow(): string;
  /** Follower: the leader's text (with this tab's unsent splices on top) as a load, or a change. */
  sharedText(text: string, splices: TextSplice[] | undefined, version: readonly string[]): void;
  sharedStatus(status: TextStatus, pending: boolean): void;
  subscribe(
    listener: (change: { text: string; splices?: readonly TextSplice[]; source: string }) => void,
  ): () => void;
  onStatus(listener: () => void): () => void;
  edit(splices: readonly TextSplice[]): void;
}

/** Messages on `braid-live-text:<app>:<url>`: followers ask, the leader broadcasts. */
type TextMessage =
  | { t: 'sync'; from: string }
  | { t: 'edit'; from: string; epoch: string; seq: number; base: number; splices: TextSplice[] }
  | {
      t: 'state';
      epoch: string;
      rev: number;
      text: string;
      version: string[];
      status: TextStatus;
      pending: boolean;
      /** Sent to one follower (its edit could not be applied): the others ignore it. */
      to?: string;
    }
  | {
      t: 'change';
      epoch: string;
      rev: number;
      splices: TextSplice[];
      version: string[];
      /** Whether the leader has edits the server has not confirmed (this one, say). */
      pending: boolean;
      origin?: string;
    }
  | { t: 'status'; epoch: string; status: TextStatus; pending: boolean }
  /** The leader closes: its text at `rev` past `sent` never went out; the next leader sends it. */
  | Handover;

/**
 * The leader closes: its PUTs still unacknowledged (resent by the next leader as they were, under their Versions:
 * the server answers a true retry 200, nothing applied twice), its text as last put in a PUT (`sent`) and its text
 * now (`text`, at `rev`): what lies between was never sent, and the next leader sends it with its own unsent edits.
 */
interface Handover {
  t: 'handover';
  epoch: string;
  rev: number;
  sent: string;
  text: string;
  puts: InheritedPut[];
}

/** A PUT of another tab's TextResource (the leader that closed), to be resent verbatim. */
export interface InheritedPut {
  peer: string;
  version: string;
  parents: string[];
  splices: TextSplice[];
}

/** Leader's history kept to transform followers' edits made on an older revision (past it: they resync). */
const HISTORY = 1000;

/**
 * One simpleton subscription per text per browser profile: the tab that leads (the tab hub's leader) holds the
 * TextResource's subscription and sends the PUTs; it acts as a small local server for the other tabs (Jupiter,
 * with the leader as the server). A follower sends its splices one set at a time with the leader's revision they
 * were made on; the leader transforms them over what it applied since (transformSplices: every typed character
 * kept), applies them as its own local edits (its TextResource sends them upstream) and broadcasts every change
 * of its text with a revision counter. A follower rebases what it has not had accepted over each broadcast.
 *
 * Leader changes: a follower's unaccepted splices (the set in flight to the old leader too) are kept and resent
 * to the new leader, rebased on its text. What the old leader had accepted but not yet had confirmed by the
 * server is the old leader's: on close it hands over (`handover`) its unacknowledged PUTs, which the next leader
 * resends verbatim (same Version: a retry), and what it had not sent yet, which the next leader sends with its own.
 * A leader that crashes or freezes loses what it had not sent (DESIGN.md §15, text).
 */
export class TabTextLink {
  private readonly channel: BroadcastChannel;
  private readonly offLeader: () => void;
  private readonly offs: (() => void)[] = [];
  private leading = false;
  private closed = false;
  // ---- while leading ----
  private epoch = '';
  private rev = 0;
  private history: { rev: number; splices: TextSplice[] }[] = [];
  private lastText = '';
  private announced = false;
  /** The follower edit being applied (`tab:seq`), for the change its application emits. */
  private origin: string | undefined;
  // ---- while following ----
  private leaderEpoch: string | undefined;
  private baseRev = 0;
  /** The leader's text at `baseRev`. */
  private baseText = '';
  private synced = false;
  private outstanding: { seq: number; splices: TextSplice[] } | undefined;
  /** Against baseText + outstanding. */
  private buffer: TextSplice[] = [];
  private seq = 0;
  private queued: TextMessage[] = [];
  /** The closed leader's text as it last sent it, when this tab's base is that leader's last revision. */
  private inherited: Handover | undefined;
  /**
   * While leading: the leader this tab followed last and its text then (its handover may come after this tab took
   * over), with the edit this tab had in flight to it: that leader's change that accepted it may come after too.
   */
  private followed:
    | {
        epoch: string | undefined;
        rev: number;
        text: string;
        outstanding?: { seq: number; splices: TextSplice[] };
      }
    | undefined;

  constructor(
    private readonly host: SharedTextHost,
    private readonly hub: TextTabHub,
  ) {
    this.channel = new BroadcastChannel(`braid-live-text:${hub.appName}:${host.url}`);
    this.channel.onmessage = (event: MessageEvent<TextMessage>) => this.receive(event.data);
    this.offs.push(host.subscribe((change) => this.leaderChange(change.text, change.splices)));
    this.offs.push(host.onStatus(() => this.leaderStatus()));
    this.offLeader = hub.onLeaderChange(() => this.modeChanged());
    globalThis.addEventListener?.('pagehide', this.onPageHide);
    this.modeChanged();
  }

  /** Whether this tab follows (its TextResource neither subscribes nor sends). */
  get following(): boolean {
    return !this.leading;
  }

  /** A follower's unaccepted edits, or the leader's own pending (as its followers see it). */
  get unaccepted(): boolean {
    return this.outstanding !== undefined || this.buffer.length > 0;
  }

  private modeChanged(): void {
    if (this.closed) return;
    const leader = this.hub.leader;
    const me = this.hub.tabId;
    if (leader === me && !this.leading) {
      this.leading = true;
      this.epoch = Math.random().toString(36).slice(2, 12);
      this.rev = 0;
      this.history = [];
      this.announced = false;
      // What this tab typed and no leader accepted is carried onto the server's text by the load.
      const base = this.synced ? this.baseText : undefined;
      this.followed = this.synced
        ? { epoch: this.leaderEpoch, rev: this.baseRev, text: this.baseText, outstanding: this.outstanding }
        : undefined;
      this.outstanding = undefined;
      this.buffer = [];
      this.synced = false;
      this.leaderEpoch = undefined;
      const inherited = this.inherited;
      this.inherited = undefined;
      if (inherited) this.inherit(inherited, this.followed?.text);
      else this.host.lead(base);
      if (this.host.isLoaded) this.announce();
    } else if (leader !== me) {
      if (this.leading) {
        // Stepped down: what this tab's resource had not sent yet goes to the next leader.
        this.leading = false;
        const sent = this.host.follow();
        this.baseText = sent;
        this.buffer = diffText(sent, this.host.text);
        this.synced = true;
        this.leaderEpoch = undefined;
      }
      // The old leader's last changes may still be on their way (another channel than the hub's): applied until
      // the new leader's text comes, so that an edit it accepted is not sent twice. What is in flight to it then
      // is resent to the new leader (resync).
      if (leader !== undefined) this.post({ t: 'sync', from: me });
    }
  }

  // ---- leading ----

  private announce(): void {
    this.announced = true;
    this.lastText = this.host.text;
    this.post(this.state());
  }

  private state(to?: string): TextMessage {
    return {
      t: 'state',
      epoch: this.epoch,
      rev: this.rev,
      text: this.lastText,
      version: [...this.host.currentVersion],
      status: this.host.status,
      pending: this.host.pending,
      to,
    };
  }

  /** The leader's text changed (its own edit, a follower's, the server's, a reload): broadcast as a change. */
  private leaderChange(text: string, splices: readonly TextSplice[] | undefined): void {
    if (!this.leading || this.closed) return;
    if (!this.announced) {
      if (this.host.isLoaded) this.announce();
      return;
    }
    this.record(splices ? [...splices] : diffText(this.lastText, text));
    this.lastText = text;
  }

  private record(splices: TextSplice[]): void {
    this.rev++;
    this.history.push({ rev: this.rev, splices });
    if (this.history.length > HISTORY) this.history.shift();
    const origin = this.origin;
    this.origin = undefined;
    this.post({
      t: 'change',
      epoch: this.epoch,
      rev: this.rev,
      splices,
      version: [...this.host.currentVersion],
      pending: this.host.pending || this.host.text !== this.host.unsentBase,
      origin,
    });
  }

  private leaderStatus(): void {
    if (!this.leading || !this.announced || this.closed) return;
    this.post({ t: 'status', epoch: this.epoch, status: this.host.status, pending: this.host.pending });
  }

  /** A follower's edit, made on revision `base` of this leader's text. */
  private applyEdit(message: Extract<TextMessage, { t: 'edit' }>): void {
    const oldest = this.history.length ? this.history[0].rev - 1 : this.rev;
    if (message.epoch !== this.epoch || message.base > this.rev || message.base < oldest) {
      this.post(this.state(message.from)); // made on another leader's text, or too long ago: it resyncs
      return;
    }
    let splices = message.splices;
    for (const change of this.history)
      if (change.rev > message.base) splices = transformSplices(splices, change.splices, true);
    this.origin = `${message.from}:${message.seq}`;
    try {
      this.host.edit(splices);
    } catch {
      this.origin = undefined;
      this.post(this.state(message.from));
      return;
    }
    if (this.origin !== undefined) this.record([]); // nothing left to apply: accepted all the same
  }

  // ---- following ----

  private receive(message: TextMessage): void {
    if (this.closed) return;
    if (this.leading) {
      if (message.t === 'change' && message.epoch === this.followed?.epoch) this.lateChange(message);
      else if (message.t === 'handover') {
        const followed = this.followed;
        if (followed?.epoch !== message.epoch) return;
        this.followed = undefined; // (once)
        if (this.announced) this.lateInherit(message);
        else this.inherit(message, followed.text);
      } else if (message.t === 'sync' && this.announced) this.post(this.state(message.from));
      else if (message.t === 'edit' && this.announced) this.applyEdit(message);
      return;
    }
    if (message.t === 'sync' || message.t === 'edit') return;
    if (message.t === 'handover') {
      if (message.epoch === this.leaderEpoch) this.inherited = message;
      return;
    }
    if (this.host.holding) {
      this.queued.push(message);
      return;
    }
    this.follow(message);
  }

  /** Remote changes were held back (IME): applied now. */
  released(): void {
    const queued = this.queued.splice(0);
    for (const message of queued) this.receive(message);
  }

  private follow(message: Exclude<TextMessage, { t: 'sync' } | { t: 'edit' } | { t: 'handover' }>): void {
    if (message.t === 'state') {
      if (message.to !== undefined && message.to !== this.hub.tabId && message.epoch === this.leaderEpoch)
        return;
      if (message.to === undefined && message.epoch === this.leaderEpoch) return; // (another tab's sync)
      this.resync(message);
      return;
    }
    if (message.epoch !== this.leaderEpoch) return;
    if (message.t === 'status') {
      this.host.sharedStatus(message.status, message.pending);
      return;
    }
    if (message.rev !== this.baseRev + 1) {
      // A change was missed (cannot happen on one channel, but never guess): start over from the leader's text.
      this.leaderEpoch = undefined;
      this.post({ t: 'sync', from: this.hub.tabId });
      return;
    }
    this.baseRev = message.rev;
    this.baseText = applySplices(this.baseText, message.splices);
    this.host.sharedStatus(this.host.status, message.pending);
    const mine = this.outstanding && message.origin === `${this.hub.tabId}:${this.outstanding.seq}`;
    if (mine) {
      this.outstanding = undefined;
      this.host.sharedText(this.host.text, [], message.version);
    } else {
      let theirs = message.splices;
      if (this.outstanding) {
        const next = transformSplices(theirs, this.outstanding.splices, false);
        this.outstanding.splices = transformSplices(this.outstanding.splices, theirs, true);
        theirs = next;
      }
      if (this.buffer.length) {
        const next = transformSplices(theirs, this.buffer, false);
        this.buffer = transformSplices(this.buffer, theirs, true);
        theirs = next;
      }
      this.host.sharedText(applySplices(this.host.text, theirs), theirs, message.version);
    }
    this.send();
  }

  /** The leader's whole text: this tab's unaccepted splices are rebased on it (and resent). */
  private resync(state: Extract<TextMessage, { t: 'state' }>): void {
    this.inherited = undefined; // (a leader took over without it)
    let mine = this.buffer;
    if (this.outstanding) mine = composeSplices(this.outstanding.splices, mine);
    this.outstanding = undefined;
    // Before the first text came, this tab's text is what it typed onto '' (its resource's text as last sent),
    // also before this link existed: carried onto the leader's text, as a load carries it (TextResource.load).
    const base = this.synced ? this.baseText : this.host.unsentBase;
    if (!this.synced) mine = diffText(base, this.host.text);
    this.buffer = transformSplices(mine, diffText(base, state.text), true);
    this.baseText = state.text;
    this.baseRev = state.rev;
    this.leaderEpoch = state.epoch;
    this.synced = true;
    this.host.sharedText(applySplices(state.text, this.buffer), undefined, state.version);
    this.host.sharedStatus(state.status, state.pending);
    this.send();
  }

  /** This follower's edit (against its text): queued behind the set in flight, sent when the leader accepts it. */
  local(splices: readonly TextSplice[]): void {
    this.buffer = composeSplices(this.buffer, splices);
    this.send();
  }

  private send(): void {
    if (this.outstanding || this.buffer.length === 0 || this.leaderEpoch === undefined) return;
    this.outstanding = { seq: ++this.seq, splices: this.buffer };
    this.buffer = [];
    this.post({
      t: 'edit',
      from: this.hub.tabId,
      epoch: this.leaderEpoch,
      seq: this.outstanding.seq,
      base: this.baseRev,
      splices: this.outstanding.splices,
    });
  }

  private handOver(): void {
    if (!this.leading || !this.announced) return;
    // Sent under a Version of its own: when two tabs take over at once (a moment of two leaders), both resend it and
    // the server applies it once; as unsent text, each would send it as its own edit.
    this.host.sealUnsent();
    const sent = this.host.unsentBase;
    const puts = this.host.unacknowledged;
    if (sent === this.lastText && puts.length === 0) return;
    const { epoch, rev, lastText: text } = this;
    this.post({ t: 'handover', epoch, rev, sent, text, puts });
  }

  /**
   * The leader this tab followed, after this tab took over (another channel than the hub's: its last changes may
   * come late). Its change that accepted this tab's edit in flight makes that edit its own (in its PUTs, its
   * handover): no longer carried by this tab. Other changes are the server's business now.
   */
  private lateChange(change: Extract<TextMessage, { t: 'change' }>): void {
    const followed = this.followed!;
    if (change.rev !== followed.rev + 1) return;
    followed.rev = change.rev;
    const outstanding = followed.outstanding;
    if (!outstanding || change.origin !== `${this.hub.tabId}:${outstanding.seq}`) return;
    // This tab's text is followed.text + outstanding + what it typed since: its base moves past the edit.
    followed.text = applySplices(followed.text, outstanding.splices);
    followed.outstanding = undefined;
    if (!this.announced) this.host.lead(followed.text);
  }

  /**
   * This tab leads after a leader that handed over (before this tab's text is loaded): its PUTs are resent, and
   * what it had not sent goes with this tab's own unsent edits (rebased onto its last text).
   */
  private inherit(handover: Handover, followedText: string | undefined): void {
    const followed = followedText ?? handover.text;
    this.followed = undefined;
    const mine = diffText(followed, this.host.text);
    const text = applySplices(handover.text, transformSplices(mine, diffText(followed, handover.text), true));
    for (const put of handover.puts) this.host.resend(put);
    this.host.lead(handover.sent, text);
  }

  /** A handover that came after this tab's text was loaded: its PUTs resent, its unsent part applied as an edit. */
  private lateInherit(handover: Handover): void {
    for (const put of handover.puts) this.host.resend(put);
    const unsent = diffText(handover.sent, handover.text);
    if (unsent.length)
      this.host.edit(transformSplices(unsent, diffText(handover.sent, this.host.text), true));
  }

  private onPageHide = (event: Event) => {
    if (!(event as PageTransitionEvent).persisted) this.handOver();
  };

  private post(message: TextMessage): void {
    if (!this.closed) this.channel.postMessage(message);
  }

  /** The tab goes: a leader hands what its resource has not sent (it is lost with the tab) to the next leader. */
  close(): void {
    if (this.closed) return;
    this.handOver();
    this.closed = true;
    globalThis.removeEventListener?.('pagehide', this.onPageHide);
    this.offLeader();
    for (const off of this.offs) off();
    this.channel.close();
  }
}
