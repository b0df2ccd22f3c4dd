import type { SubscriptionSink } from './sink';

/** The live subscriptions of one resource. */
export class SubscriberSet {
  private readonly sinks = new Set<SubscriptionSink>();

  get size(): number {
    return this.sinks.size;
  }

  add(sink: SubscriptionSink): void {
    this.sinks.add(sink);
    sink.onClose(() => this.sinks.delete(sink));
  }

  /**
   * The hot path: the same bytes to every subscriber, one write each, no per-subscriber work beyond the
   * sink's buffer check. (A sink cut off during the loop removes itself; Set iteration allows that.)
   */
  broadcast(bytes: Uint8Array): void {
    for (const sink of this.sinks) sink.write(bytes);
  }

  closeAll(): void {
    for (const sink of [...this.sinks]) sink.close();
    this.sinks.clear();
  }
}
