import { BodyBytesInFlight } from './bodyBytesInFlight';
import { DiscardRate } from './discardRate';
import { HttpError } from './errors';
import { type ResolvedCors, resolveCors } from './http/cors';
import type { DiscardLimits, ShutdownRegistry } from './http/exchange';
import { type BraidLimits, resolveLimits } from './limits';
import { MultiplexerRegistry } from './multiplex/multiplexRoutes';
import { ResourceRegistry } from './resource/registry';
import { createVersionIdFactory } from './resource/versionIds';
import { memoryStore } from './store';
import type { BraidStore } from './store/types';
import { HeartbeatTimers } from './subscriptions/heartbeats';
import type { SinkStats } from './subscriptions/sink';
import type { Authorize, BraidServerOptions } from './types';

/** Everything one server shares between its HTTP handlers, its resources and its public API. */
export class ServerContext {
  readonly store: BraidStore;
  readonly limits: BraidLimits;
  readonly cors: ResolvedCors | undefined;
  readonly authorize: Authorize | undefined;
  readonly defaultHeartbeatSeconds: number | undefined;
  readonly subscriptionFraming: 'close' | 'chunked';
  readonly registry: ResourceRegistry;
  readonly bodiesInFlight: BodyBytesInFlight;
  readonly discardLimits: DiscardLimits;
  readonly heartbeats = new HeartbeatTimers();
  readonly multiplexers = new MultiplexerRegistry();
  readonly sinkStats: SinkStats = { cutOffs: 0, peakBufferedBytes: 0 };
  readonly newVersionId = createVersionIdFactory();
  closed = false;
  /** Body reads in progress, aborted (503) when the server closes, so their timers die with it. */
  private readonly pendingBodies = new Set<(error: HttpError) => void>();
  private readonly onError: (error: unknown, context: string) => void;

  constructor(options: BraidServerOptions) {
    this.store = options.store ?? memoryStore();
    this.limits = resolveLimits(options.limits);
    this.cors = resolveCors(options.cors);
    this.authorize = options.authorize;
    this.defaultHeartbeatSeconds = options.heartbeats;
    this.subscriptionFraming = options.subscriptionFraming ?? 'close';
    this.onError =
      options.onError ?? ((error, context) => console.error(`braid-live server: ${context}:`, error));
    this.registry = new ResourceRegistry(this, this.limits.maxLoadedResources);
    this.bodiesInFlight = new BodyBytesInFlight(this.limits.maxBodyBytesInFlight);
    this.discardLimits = {
      timeoutMs: this.limits.bodyTimeoutMs,
      rate: new DiscardRate(this.limits.maxDiscardBytesPerSecond),
    };
  }

  reportError(error: unknown, context: string): void {
    try {
      this.onError(error, context);
    } catch {
      // A broken error reporter must not turn into a crash either.
    }
  }

  readonly onShutdown: ShutdownRegistry = (abort) => {
    this.pendingBodies.add(abort);
    return () => this.pendingBodies.delete(abort);
  };

  /** Refuses body reads in progress (they answer 503). */
  abortPendingBodies(): void {
    for (const abort of [...this.pendingBodies]) abort(new HttpError(503, 'server is shutting down'));
  }
}
