/**
 * Every bound the server enforces, in one place. Each one exists so that no single client (or bug in one) can
 * make the process use unbounded memory, CPU or time: past a limit the request gets a clear 4xx, or a
 * subscriber is cut off and resumes later, and everyone else carries on.
 */
export interface BraidLimits {
  /** Largest request body in bytes (413). Checked from Content-Length before reading, and while reading. */
  maxBodyBytes: number;
  /** A request body must arrive within this many ms, or the request is answered 408. */
  bodyTimeoutMs: number;
  /** Most patches one write may carry (413). Checked from the headers, before the body is read. */
  maxPatches: number;
  /** Most JSON bytes of one write's patches, ranges and contents (413). Checked before any apply work. */
  maxPatchBytes: number;
  /**
   * Most estimated apply work of one write (422), checked before apply, transform and `validate`: one unit
   * (about a nanosecond) per path segment and per content byte, and for each container the write copies (once
   * per write) its slots weighted by what they cost to copy: 1 per string unit, 8 per array element, 256 per
   * object key (resource/writeBudget.ts SLOT_WORK).
   */
  maxWriteWork: number;
  /**
   * Most transform work for bringing one stale write up to the head (409, the client re-bases it itself), estimated
   * before any is done: the write's patches × the patches of the versions accepted since its Parents.
   */
  maxRebaseWork: number;
  /** Largest document, as estimated JSON bytes (413), checked on every write with the value it would produce. */
  maxDocumentBytes: number;
  /** Deepest nesting of arrays/objects in any JSON a client sends (400). Keeps recursion in check everywhere. */
  maxJsonDepth: number;
  /** Most segments in a json range path (400). */
  maxPathDepth: number;
  /** Longest version or peer id, in characters (400): ids are stored and repeated in every update. */
  maxVersionIdLength: number;
  /** Most live subscriptions per resource (429, so well-behaved clients retry later). */
  maxSubscribersPerResource: number;
  /**
   * Bytes a subscriber may have waiting in the server's socket buffer (beyond what the OS already took). A
   * subscriber over it is disconnected and resumes later with Parents, instead of buffering without bound.
   * Its first burst (snapshot or catch-up) is allowed on top, so a document bigger than this still loads.
   */
  maxBufferedBytesPerSubscriber: number;
  /** Versions kept in memory per resource (values, patches and wire bytes): resume and stale writes reach back this far. */
  maxHistory: number;
  /**
   * Wire bytes of the versions kept in memory per resource; the oldest go first past it. Whole-document writes
   * share no structure with the previous value, so this is what bounds memory for big documents.
   */
  maxHistoryBytes: number;
  /** Version ids remembered per resource for duplicate detection (a retried write is answered 200, unchanged). */
  maxKnownVersions: number;
  /** Resources kept loaded in memory; past it, idle ones are dropped (and reload from the store when used). */
  maxLoadedResources: number;
  /**
   * Estimated bytes held by all loaded resources (documents and their in-memory histories). Past it, idle
   * resources (no subscriber, no request or write in progress) are dropped, least recently used first; when
   * none is idle, loading one more resource is refused with 503 + Retry-After.
   */
  maxResidentBytes: number;
  /**
   * Resources one path pattern may create (403 past it): distinct paths under the pattern that have stored
   * state. A pattern's own `maxResources` option overrides it.
   */
  maxResourcesPerPattern: number;
  /** Bytes of request bodies being received across the whole server (503 + Retry-After past it). */
  maxBodyBytesInFlight: number;
  /**
   * Bytes per second read and thrown away from refused request bodies (413, 401…), all connections together.
   * A refused body is read to its end, so that a client that sends it all before reading still sees the
   * answer; past this pace the rest waits in the client's socket. More than 0; Infinity: as fast as it comes.
   */
  maxDiscardBytesPerSecond: number;
  /** Compact a resource's stored log once it has grown past this many bytes since the last compaction (and, in a
   * file or memory store, past what that compaction stored: compaction then costs about what was appended). */
  compactAfterBytes: number;
  /** Open multiplexers across the server (503 past it). */
  maxMultiplexers: number;
  /** Open multiplexers per client connection (429 past it): an HTTP/2 connection can carry many POSTs. */
  maxMultiplexersPerConnection: number;
  /** Responses (subscriptions) carried by one multiplexer (429 past it). */
  maxStreamsPerMultiplexer: number;
  /** A multiplexer that carries no response for this many ms is closed (its client reopens one when needed). */
  multiplexerIdleMs: number;
  /** Versions in one `?history` page when the request gives no `limit`. */
  historyPageSize: number;
  /** Largest `limit` of a `?history` page (400 past it). */
  maxHistoryPageSize: number;
  /** Most bytes of one `?history` page: it ends before the version that would pass them (one version at least). */
  historyPageBytes: number;
  /** Heartbeat periods asked for by clients are clamped into [min, max] seconds (the echoed value is the one used). */
  minHeartbeatSeconds: number;
  maxHeartbeatSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<BraidLimits> = Object.freeze({
  // A write's biggest passes (the parse, the content's JSON, the store frame) are single native calls in
  // proportion to its size: at 4 MiB each is a few ms, so the largest write allowed stays well within 50 ms
  // of event loop on a small shared machine (bench hostile); 8 MiB documents the same for a snapshot.
  maxBodyBytes: 4 * 1024 * 1024,
  bodyTimeoutMs: 30_000,
  maxPatches: 1000,
  maxPatchBytes: 4 * 1024 * 1024,
  maxWriteWork: 16 * 1024 * 1024,
  maxRebaseWork: 2_000_000,
  maxDocumentBytes: 8 * 1024 * 1024,
  maxJsonDepth: 64,
  maxPathDepth: 32,
  maxVersionIdLength: 256,
  maxSubscribersPerResource: 10_000,
  maxBufferedBytesPerSubscriber: 2 * 1024 * 1024,
  maxHistory: 1000,
  maxHistoryBytes: 64 * 1024 * 1024,
  maxKnownVersions: 10_000,
  maxLoadedResources: 10_000,
  maxResidentBytes: 256 * 1024 * 1024,
  maxResourcesPerPattern: 10_000,
  maxBodyBytesInFlight: 64 * 1024 * 1024,
  // Read at full speed here (~420 MiB/s on loopback), refused bodies took both cores: 20-60 ms loop delays
  // while 170 MiB of them came in (bench hostile, the 413 row); at 128 MiB/s, 8-11 ms.
  maxDiscardBytesPerSecond: 128 * 1024 * 1024,
  compactAfterBytes: 8 * 1024 * 1024,
  maxMultiplexers: 10_000,
  maxMultiplexersPerConnection: 8,
  maxStreamsPerMultiplexer: 1000,
  multiplexerIdleMs: 60_000,
  historyPageSize: 100,
  maxHistoryPageSize: 1000,
  historyPageBytes: 1024 * 1024,
  minHeartbeatSeconds: 0.1,
  maxHeartbeatSeconds: 3600,
});

export function resolveLimits(overrides: Partial<BraidLimits> = {}): BraidLimits {
  const limits: BraidLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof BraidLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`createBraidServer: unknown limit "${key}"`);
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`createBraidServer: limit "${key}" must be a non-negative number`);
    }
    limits[key] = value;
  }
  if (limits.maxHistory < 1) throw new TypeError('createBraidServer: maxHistory must be at least 1');
  if (!(limits.maxDiscardBytesPerSecond > 0)) {
    throw new TypeError('createBraidServer: maxDiscardBytesPerSecond must be more than 0');
  }
  limits.maxKnownVersions = Math.max(limits.maxKnownVersions, limits.maxHistory);
  return limits;
}
