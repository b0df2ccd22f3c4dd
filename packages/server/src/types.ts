import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { JsonPatch, ResourcePattern, ResourceToken, StandardSchemaV1 } from '@braid-live/core/protocol';
import type { Draft } from 'immer';
import type { CorsOption } from './http/cors';
import type { BraidLimits } from './limits';
import type { BraidStore } from './store/types';
import type { PresenceOptions } from './text/presence';
import type { TextResourceOptions } from './text/textOptions';

/** A request from node:http, or node:http2's compatibility API (what `braid.handler` takes). */
export type BraidRequest = IncomingMessage | Http2ServerRequest;
export type BraidResponse = ServerResponse | Http2ServerResponse;
/**
 * The runtime's own request, as `authorize` and `validate` receive it: a Node request (`braid.handler`,
 * `braid.middleware`, the Fastify plugin) or a web-standard `Request` (`braid.fetch`). For code that runs on
 * both, `context.header(name)` reads a header from either.
 */
export type NativeRequest = BraidRequest | Request;

export type AuthorizeAction = 'read' | 'write';

export interface AuthorizeContext {
  /** The concrete resource path (`/api/tickers/AAPL`). */
  path: string;
  action: AuthorizeAction;
  /** Parameters of a path pattern (`{ symbol: 'AAPL' }`); empty for an exact path. */
  params: Record<string, string>;
  /** A request header (repeated ones joined with ", "), whatever the runtime; undefined when absent. */
  header(name: string): string | undefined;
}

/** A refusal with its own status (401 or 403 usually) and an optional one-line reason. */
export interface AuthorizeDenial {
  status: number;
  message?: string;
}

/**
 * Decides whether a request may read (GET, HEAD, subscribe, history) or write (PUT, PATCH) a resource.
 * `true` allows. `false` (or anything else that is not true) answers 403; an object `{status, message}` answers with
 * that status; a thrown error answers its `status`/`statusCode` if it has one, else 403.
 */
export type Authorize = (
  req: NativeRequest,
  context: AuthorizeContext,
) => boolean | AuthorizeDenial | undefined | Promise<boolean | AuthorizeDenial | undefined>;

/**
 * Checks the value a write would produce. `true` or `undefined` accepts; `false` rejects (422), a string rejects
 * with that message (422), a thrown error rejects with its message (422). `req` is undefined for server-side
 * writes (`braid.patch`, `braid.revert`), which are not validated (see README).
 */
export type Validate<T = unknown> = (
  next: T,
  prev: T,
  req: NativeRequest | undefined,
) => boolean | string | undefined | Promise<boolean | string | undefined>;

export interface ResourceOptions<T = unknown> {
  /** The value before any write: a JSON value, or a function of the pattern's params and the path. */
  initial: T | ((params: Record<string, string>, path: string) => T);
  /**
   * A version id for the initial value (e.g. 'v0'), so that clients can name it in Parents. Default: none, the
   * initial value has the empty version `[]`.
   */
  initialVersion?: string;
  /** Overrides the server-wide `authorize` for this resource. */
  authorize?: Authorize;
  validate?: Validate<T>;
  /**
   * A Standard Schema (zod, valibot, ArkType…) that every write must satisfy — client PUTs and PATCHes and
   * server-side `braid.patch`/`braid.revert` alike: checked once per write on the value its patches produce,
   * before anything is stored; a failure is refused with 422 and the schema's issues (and changes nothing). The
   * initial value is checked too (a sync schema throws at `braid.resource`). Values are stored as written: a
   * schema whose output differs from its input (defaults, transforms, stripped keys) refuses the write. Usually
   * brought by a token: `braid.resource(defineResource(path, schema), { initial })`.
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * For a path pattern: how many resources (distinct paths with stored state) it may create; a first write to
   * one more path is answered 403. Default: the `maxResourcesPerPattern` limit.
   */
  maxResources?: number;
}

export interface BraidServerOptions {
  /** Where versions are made durable. Default: memoryStore() (nothing survives a restart). */
  store?: BraidStore;
  /** Limits (see limits.ts for every field and its default). */
  limits?: Partial<BraidLimits>;
  /** CORS. Default: off (same-origin only). `'*'`/true allows any origin without credentials. */
  cors?: CorsOption;
  /** Default authorize hook for every resource (a resource's own `authorize` replaces it). Default: allow all. */
  authorize?: Authorize;
  /**
   * Seconds between heartbeats for subscriptions that did not ask for any (`Heartbeats` request header).
   * Default: none. Useful behind proxies that close idle connections.
   */
  heartbeats?: number;
  /**
   * Framing of the 209 subscription body on HTTP/1.1: 'close' (default) writes update bytes as they are and
   * ends the body by closing the connection; 'chunked' uses chunked transfer encoding (the connection could
   * be reused after the subscription, at the cost of framing every write). Measured: see README.
   */
  subscriptionFraming?: 'close' | 'chunked';
  /** Where unexpected errors go (store failures, bugs turned into 500s). Default: console.error. */
  onError?: (error: unknown, context: string) => void;
}

/** A resource's state at one version. */
export interface ResourceSnapshot<T = unknown> {
  version: string[];
  value: T;
}

/** One version, as listed by `braid.history` and the history endpoint. */
export interface HistoryEntry {
  version: string;
  parents: string[];
  peer?: string;
  /** ms since epoch */
  time: number;
  patches: JsonPatch[];
}

/** What an in-process listener (`braid.subscribe`) receives: first the current state, then every new version. */
export interface ResourceChange<T = unknown> {
  version: string[];
  parents: string[];
  /** Undefined for the first call (the current state); the version's patches afterwards. */
  patches?: JsonPatch[];
  value: T;
}

export interface BraidServerStats {
  /** Resources loaded in memory. */
  resources: number;
  /** Live HTTP subscriptions. */
  subscribers: number;
  /** Subscribers disconnected for reading too slowly. */
  cutOffs: number;
  /** The most bytes any subscriber had waiting in the server's socket buffer. */
  peakBufferedBytes: number;
  /** Running heartbeat interval timers (one per distinct period in use). */
  heartbeatTimers: number;
  /** Open multiplexer streams (Multiplexing v1.0). */
  multiplexers: number;
  /** Of `subscribers`, those carried inside a multiplexer stream (the others hold a connection each). */
  multiplexedSubscribers: number;
  /** Estimated bytes held by the loaded resources (documents, histories, cached wire bytes): see `maxResidentBytes`. */
  residentBytes: number;
  /** Presence documents with someone present or subscribed (`braid.presence`). */
  presenceDocuments: number;
}

/**
 * An immer recipe: mutate the draft (immer's `Draft<T>`: the document with `readonly` removed), or return a
 * replacement value of the document's type. Anything else is a type error, as with immer's `produce`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a recipe with a block body returns void (as in immer's own types)
export type Recipe<T> = (draft: Draft<T>) => NoInfer<Draft<T> | T> | undefined | void;

/** The options of `braid.resource(token, …)`: the schema, if any, is the token's. */
export type TokenResourceOptions<T = unknown> = Omit<ResourceOptions<T>, 'schema'>;

/** Where a server-side call goes: an exact path, or a token from `defineResource` (which also gives the type). */
export type ResourceTarget<T = unknown> = string | ResourceToken<T>;

export interface BraidServer {
  /**
   * Serves a resource defined by a token (`defineResource('/api/doc', schema)`, or a pattern `defineResource('/docs/:id')`):
   * the document type comes from the token, and with a schema every write is validated against it.
   */
  resource<T>(
    definition: ResourceToken<T> | ResourcePattern<T, string>,
    options: TokenResourceOptions<NoInfer<T>>,
  ): BraidServer;
  /** Serves a resource at an exact path or a pattern (`/api/tickers/:symbol`). Returns the server (chainable). */
  resource<T = unknown>(path: string, options: ResourceOptions<T>): BraidServer;
  /**
   * Serves a collaborative plain text at an exact path or a pattern (`/docs/:id`), speaking simpleton
   * (`text/plain`, `Content-Range: text [a:b]` in code points, `Merge-Type: simpleton`). Chainable.
   */
  text(path: string, options: TextResourceOptions): BraidServer;
  /**
   * Serves ephemeral presence at an exact path or a pattern (`/presence/:doc`): one JSON entry per peer (who is
   * here, where their caret is), never stored nor kept as history, removed when the peer's subscription ends or
   * after `ttlMs` without a refresh, bounded (`maxPeers`, `maxEntryBytes`). Chainable.
   */
  presence(path: string, options?: PresenceOptions): BraidServer;
  /** A node (req, res) handler: 404 for paths that are no resource. */
  readonly handler: (req: BraidRequest, res: BraidResponse) => void;
  /** Express/Connect middleware: serves resource paths, calls next() for every other path. */
  readonly middleware: (req: BraidRequest, res: BraidResponse, next: (error?: unknown) => void) => void;
  /**
   * The same protocol on web-standard objects (Next.js route handlers, Hono, Bun.serve, Deno.serve): 404 for
   * paths that are no resource. A subscription is a 209 Response whose body streams until either side ends it.
   */
  readonly fetch: (request: Request) => Promise<Response>;
  /** A server-side write: runs an immer recipe on the current value; resolves with the new version id. */
  patch<T = unknown>(target: ResourceTarget<T>, recipe: Recipe<T>): Promise<string>;
  /** The current version and value (loads the resource from the store if it is not in memory). */
  get<T = unknown>(target: ResourceTarget<T>): Promise<ResourceSnapshot<T>>;
  /** Versions in memory, newest first (at most `limit`). */
  history<T = unknown>(target: ResourceTarget<T>, options?: { limit?: number }): Promise<HistoryEntry[]>;
  /** Writes the value of an older version as a new version (fanned out). Resolves with the new version id. */
  revert<T = unknown>(target: ResourceTarget<T>, version: string): Promise<string>;
  /** Listens in-process: called with the current state, then with every new version. Returns unsubscribe. */
  subscribe<T = unknown>(
    target: ResourceTarget<T>,
    listener: (change: ResourceChange<T>) => void,
  ): () => void;
  stats(): BraidServerStats;
  /** Ends all subscriptions, waits for writes in progress, clears timers, closes the store. */
  close(): Promise<void>;
}
