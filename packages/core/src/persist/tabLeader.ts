/**
 * One leader among the tabs of a browser profile, per name (an origin's app). The leader holds the connection
 * and sends the writes; the others relay through it.
 *
 * With Web Locks (every current browser): the leader holds an exclusive lock for as long as it lives; the
 * browser hands the lock to the next waiting tab when the leader closes, crashes or is discarded. A leader that
 * is frozen (page lifecycle `freeze`, bfcache) gives the lock up first and asks again on `resume`.
 *
 * Without (BroadcastChannel only): the leader says it is alive every HEARTBEAT_MS; a tab that hears no leader for
 * 3 heartbeats (or just opened) claims; a living leader answers the claim at once; of two claimants the smaller id
 * wins; of two leaders (after a freeze) the smaller id stays.
 */
export interface TabLeadership {
  readonly isLeader: boolean;
  /** Called whenever this tab becomes or stops being the leader. */
  onChange(listener: (isLeader: boolean) => void): () => void;
  /** Steps down for good (the next tab takes over). */
  close(): void;
}

const HEARTBEAT_MS = 1000;

export function electLeader(name: string, tabId: string): TabLeadership {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  return locks ? lockLeader(locks, name) : channelLeader(name, tabId);
}

abstract class Leadership implements TabLeadership {
  private leader = false;
  private readonly listeners = new Set<(isLeader: boolean) => void>();
  get isLeader(): boolean {
    return this.leader;
  }
  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  protected set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of [...this.listeners]) listener(leader);
  }
  abstract close(): void;
}

/** The page's event target, where there is one (not in workers or Node). */
const page = typeof window === 'undefined' ? undefined : (window as EventTarget);

function lockLeader(locks: LockManager, name: string): TabLeadership {
  let release: (() => void) | undefined;
  let closed = false;
  const self = new (class extends Leadership {
    close() {
      closed = true;
      page?.removeEventListener('freeze', onFreeze);
      page?.removeEventListener('resume', onResume);
      stepDown();
    }
    become(leader: boolean) {
      this.set(leader);
    }
  })();
  const ask = () => {
    if (closed || release) return;
    void locks
      .request(`braid-live:${name}`, { mode: 'exclusive' }, () => {
        if (closed) return;
        self.become(true);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      })
      .catch(() => {});
  };
  const stepDown = () => {
    const r = release;
    release = undefined;
    self.become(false);
    r?.();
  };
  const onFreeze = () => stepDown();
  const onResume = () => ask();
  page?.addEventListener('freeze', onFreeze);
  page?.addEventListener('resume', onResume);
  ask();
  return self;
}

type Beat = { kind: 'alive' | 'claim' | 'bye'; id: string };

function channelLeader(name: string, tabId: string): TabLeadership {
  const channel = new BroadcastChannel(`braid-live-leader:${name}`);
  let lastHeard = 0;
  let leaderId: string | undefined;
  let claiming = false;
  const self = new (class extends Leadership {
    close() {
      clearInterval(timer);
      if (this.isLeader) channel.postMessage({ kind: 'bye', id: tabId } satisfies Beat);
      this.set(false);
      channel.close();
    }
    become(leader: boolean) {
      this.set(leader);
    }
  })();
  const alive = () => channel.postMessage({ kind: 'alive', id: tabId } satisfies Beat);
  channel.onmessage = (event: MessageEvent<Beat>) => {
    const beat = event.data;
    if (beat.kind === 'bye') {
      if (beat.id === leaderId) lastHeard = 0;
      return;
    }
    if (beat.kind === 'claim') {
      if (self.isLeader)
        alive(); // a leader is here: the claimant follows it
      else if (claiming && beat.id < tabId) claiming = false; // of two claimants the smaller id wins
      return;
    }
    // alive: follow it, unless this tab is a leader with a smaller id (the other one steps down).
    if (self.isLeader && tabId < beat.id) return;
    claiming = false;
    self.become(false);
    leaderId = beat.id;
    lastHeard = Date.now();
  };
  const tick = () => {
    if (self.isLeader) return alive();
    if (claiming) {
      claiming = false;
      self.become(true); // no leader answered and no smaller claimant for a heartbeat
      return alive();
    }
    if (Date.now() - lastHeard > 3 * HEARTBEAT_MS) {
      claiming = true;
      channel.postMessage({ kind: 'claim', id: tabId } satisfies Beat);
    }
  };
  const timer = setInterval(tick, HEARTBEAT_MS);
  (timer as { unref?: () => void }).unref?.();
  tick();
  return self;
}
