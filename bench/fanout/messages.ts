import type { HistogramData } from '../lib/histogram';

/** IPC between the fan-out orchestrator and its server and subscriber processes. */

export type SystemId =
  | 'braid-live'
  | 'braid-live-fetch'
  | 'braid-live-bun'
  | 'braid-http'
  | 'ws'
  | 'sse'
  | 'tcp';

/** Server process → orchestrator. */
export type ServerMessage =
  | { type: 'listening'; port: number; writerPort?: number }
  | { type: 'marked' }
  | {
      type: 'stats';
      cpuUserMicros: number;
      cpuSystemMicros: number;
      maxRssKiB: number;
      rssAtMarkKiB: number;
    };

/** Orchestrator → server process. */
export type ServerCommand = { type: 'mark' } | { type: 'stats' } | { type: 'exit' };

/** Subscriber process → orchestrator. */
export type SubscriberMessage =
  | { type: 'ready'; connected: number; connectMs: number }
  | { type: 'progress'; received: number }
  | { type: 'done'; report: SubscriberReport };

export interface SubscriberReport {
  received: number;
  /** Subscriptions that ended (closed or errored) before the run was over. */
  disconnected: number;
  /** Messages that could not be parsed. */
  errors: number;
  firstReceiptMicros: number;
  lastReceiptMicros: number;
  latency: HistogramData;
  /** CPU this subscriber process used since it was told what to expect (user + system, µs). */
  cpuMicros: number;
}

/** Orchestrator → subscriber process. */
export type SubscriberCommand =
  | { type: 'connect'; system: SystemId; port: number; count: number }
  | { type: 'expect'; deliveries: number }
  | { type: 'finish' }
  | { type: 'exit' };
