import type { Draft } from 'immer';
import type { PersistOptions } from '../persist/ClientPersistence';
import type { BraidError } from './BraidError';
import type { RetryOptions } from './backoff';
import type { BraidClientEvent } from './events';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'error';

/** Status is state, not logs: what the UI shows next to the data. */
export interface ResourceStatus {
  state: ConnectionState;
  /** The server version the confirmed value is at. */
  version?: string[];
  /** Local edits not yet confirmed by the server (one per `set` call). */
  pending: number;
  /**
   * The Version ids sent and not yet confirmed (the write in flight; edits behind it get theirs when they go out).
   * Empty when everything sent is confirmed: "saving…" while not empty, "saved" once `pending` is 0 too.
   */
  pendingVersions: readonly string[];
  /** `undo()` has an edit of this client to undo (one step per `set` call). */
  canUndo: boolean;
  /** `redo()` has an undone edit to apply again (cleared by a new edit). */
  canRedo: boolean;
  /** The last error (a rejected write, a refused subscription, a network failure), cleared when live again. */
  error?: BraidError;
}

/**
 * A recipe (immer draft mutation on `Draft<T>`, the document with `readonly` removed; may also return a new
 * value) or a plain new value.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a recipe that only mutates the draft returns void
export type SetAction<T> = T | ((draft: Draft<T>) => Draft<T> | T | undefined | void);

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface BraidClientOptions {
  /**
   * Keep this browser's unconfirmed edits (a durable outbox) and each resource's last confirmed state in
   * IndexedDB: an edit survives a reload, a crash or a tab closed offline (the next page load resends it under its
   * Version: a retry, never a second write), and a page opened offline shows the last known value at once.
   * `'indexeddb'`, or options (bounds, `appVersion`: edits saved by another version are not replayed). Browsers
   * only; off by default.
   */
  persist?: 'indexeddb' | PersistOptions;
  /** Defaults to globalThis.fetch (browsers, Node 20 undici). */
  fetch?: FetchLike;
  /**
   * Identifies this client in the `Peer` header and its version ids (`<peer>-<instance>-<n>`, where `instance` is
   * random per BraidClient, so two clients with the same peer never make the same id). Default: random.
   */
  peer?: string;
  /** Ask the server for a heartbeat every N seconds (default 20); silence for 1.2·N+3 s means reconnect. 0 = off. */
  heartbeats?: number;
  retry?: RetryOptions;
  /** How long a resource stays subscribed after its last listener leaves (ms, default 3000). */
  gracePeriodMs?: number;
  /**
   * How long a subscription may send nothing at all (not even its 209 head) before a GET checks whether the
   * server answers and is at our version (ms, default 5000). Some servers (braidify) send nothing until their
   * next update; with this, writes go out anyway and a server that moved on is subscribed to again.
   */
  headTimeoutMs?: number;
  /** How long an acknowledged write's echo may take before a fresh snapshot settles it (ms, default 15,000). */
  echoTimeoutMs?: number;
  /** How long a write may go unanswered before it is resent under the same Version (ms, default 30,000). */
  writeTimeoutMs?: number;
  /** Base URL for relative resource URLs outside browsers. */
  baseUrl?: string;
  /**
   * Extra request headers (e.g. Authorization) for every request. A function is called for each request (it may
   * be async), so a token can be refreshed without a custom fetch.
   */
  headers?: HeadersOption;
  /**
   * Share one connection among the subscriptions to an origin (Multiplexing v1.0): browsers open at most 6
   * HTTP/1.1 connections per origin. 'auto' (default) multiplexes from the second concurrent subscription on,
   * unless the page itself came over HTTP/2 or 3; true always; false never. Servers without multiplexing get
   * plain requests.
   */
  multiplex?: boolean | 'auto';
  /** Called for every error of any resource (rejected writes, refused subscriptions...). */
  onError?: (error: BraidError) => void;
  /** Called with every transition, request and answer of every resource (diagnosis; see BraidClientEvent). */
  onEvent?: (event: BraidClientEvent) => void;
  /** Logs every BraidClientEvent with console.debug. */
  debug?: boolean;
}

/** Static headers, or a function called per request that returns them (may be async). */
export type HeadersOption =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);
