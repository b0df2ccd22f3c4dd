/** Where a subscription reports what it receives (one per subscriber process, shared by its subscriptions). */
export interface DeliverySink {
  /** A write's update arrived; `sentAt` is the writer's timestamp from the payload (µs). */
  delivered(sentAt: number): void;
  /** A message could not be parsed. */
  error(reason: unknown): void;
  /** The subscription ended before the run was over. */
  closed(): void;
}

/**
 * Opens one subscription to the feed on 127.0.0.1:port; resolves once its initial message (snapshot or hello)
 * has arrived, so the server has it registered before the first write. Returns a function that closes it.
 */
export type OpenSubscription = (port: number, sink: DeliverySink) => Promise<() => void>;
