/**
 * Where one subscription's bytes go. The fan-out only ever hands a sink ready-made bytes (serialized once per
 * version), so a transport is just this: a streaming response body (streamSink.ts, over a Node response or a web ReadableStream); a multiplexed stream
 * (braid-http Multiplexing v1.0) or an HTTP/2 stream plug in by implementing the same five members.
 */
export interface SubscriptionSink {
  /**
   * Sends bytes. Returns false when they were not sent: the sink is closed, or it was just cut off because
   * its reader is too slow (the client resumes later with Parents).
   */
  write(bytes: Uint8Array): boolean;
  /**
   * Sends the subscription's first burst (snapshot or catch-up). Never refused for size: the slow-reader limit
   * applies on top of it, so a document bigger than the limit still reaches a reader that keeps up. Several
   * parts (a catch-up's versions) go out in order without being joined into one copy first.
   */
  writeInitial(bytes: Uint8Array | readonly Uint8Array[]): void;
  /** Ends the stream (server shutdown, resource gone). */
  close(): void;
  /** Registers a listener called once when the sink closes for any reason. */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/** Counters shared by all sinks of a server (see BraidServer.stats). */
export interface SinkStats {
  /** Subscribers disconnected because their buffered bytes passed the limit. */
  cutOffs: number;
  /** The most bytes any subscriber had waiting in the server's socket buffer, measured after each write. */
  peakBufferedBytes: number;
}
