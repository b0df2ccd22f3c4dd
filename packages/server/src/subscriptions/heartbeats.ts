import type { SubscriptionSink } from './sink';

/** A heartbeat is a bare CRLF: a blank line between updates, which every Braid parser skips. */
const HEARTBEAT = new Uint8Array([13, 10]);

interface PeriodGroup {
  timer: ReturnType<typeof setInterval>;
  sinks: Set<SubscriptionSink>;
}

/**
 * Heartbeats for all subscriptions of a server: one interval timer per distinct period (clients mostly ask
 * for the same few), not one per subscriber. A sink leaves its group when it closes, and a group's timer is
 * cleared as soon as its last sink leaves, so no timer outlives its connections.
 *
 * A sink joining a running group gets its first beat within one period (possibly sooner): never later
 * than asked, which is all a client's liveness check needs.
 */
export class HeartbeatTimers {
  private readonly groups = new Map<number, PeriodGroup>();

  /** Starts beating `sink` every `periodMs` until it closes. Returns a function that stops it earlier. */
  add(sink: SubscriptionSink, periodMs: number): () => void {
    let group = this.groups.get(periodMs);
    if (!group) {
      const sinks = new Set<SubscriptionSink>();
      const timer = setInterval(() => {
        for (const s of sinks) s.write(HEARTBEAT);
      }, periodMs);
      group = { timer, sinks };
      this.groups.set(periodMs, group);
    }
    group.sinks.add(sink);
    const remove = () => this.remove(sink, periodMs);
    sink.onClose(remove);
    return remove;
  }

  /** Number of running interval timers (one per period in use). */
  get timerCount(): number {
    return this.groups.size;
  }

  /** Stops every timer (server shutdown). */
  clear(): void {
    for (const group of this.groups.values()) clearInterval(group.timer);
    this.groups.clear();
  }

  private remove(sink: SubscriptionSink, periodMs: number): void {
    const group = this.groups.get(periodMs);
    if (group === undefined || !group.sinks.delete(sink)) return;
    if (group.sinks.size === 0) {
      clearInterval(group.timer);
      this.groups.delete(periodMs);
    }
  }
}
