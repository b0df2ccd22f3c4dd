import { diffJson } from '@braid-live/core/protocol';
import { produce } from 'immer';
import { createHandler, createMiddleware } from './http/handler';
import { compilePathPattern } from './resource/pathPattern';
import type { Resource, WriteOutcome } from './resource/resource';
import { ServerCore } from './serverCore';
import type {
  BraidServer,
  BraidServerOptions,
  BraidServerStats,
  HistoryEntry,
  Recipe,
  ResourceChange,
  ResourceOptions,
  ResourceSnapshot,
} from './types';

/**
 * A Braid-HTTP server: resources readable, subscribable and writable over plain HTTP, with a durable history.
 * See README.md for the protocol details and every option.
 */
export function createBraidServer(options: BraidServerOptions = {}): BraidServer {
  const core = new ServerCore(options);
  let closing: Promise<void> | undefined;

  /** The resource at `path`, retained (the caller releases it). */
  function use(path: string, caller: string): Resource {
    if (core.closed) throw new Error(`braid.${caller}: the server is closed`);
    const route = core.registry.match(path);
    if (!route) throw new Error(`braid.${caller}: no resource at ${JSON.stringify(path)}`);
    return core.registry.use(route);
  }

  async function withResource<T>(
    path: string,
    caller: string,
    run: (resource: Resource) => Promise<T>,
  ): Promise<T> {
    const resource = use(path, caller);
    try {
      await resource.ready;
      return await run(resource);
    } finally {
      resource.release();
    }
  }

  function versionOf(outcome: WriteOutcome): string {
    return outcome.kind === 'applied' ? outcome.entry.version : outcome.version;
  }

  const server: BraidServer = {
    resource<T>(path: string, resourceOptions: ResourceOptions<T>) {
      core.registry.define(path, resourceOptions);
      const route = core.registry.match(path);
      // Exact paths start loading now, so `braid.get` works synchronously as soon as the store has answered.
      // (A pattern like `/t/:id` is no resource itself: nothing to load.)
      if (route && compilePathPattern(path).isExact && !core.closed) {
        const resource = core.registry.use(route);
        resource.ready.then(
          () => resource.release(),
          (error) => {
            resource.release();
            core.reportError(error, `loading ${JSON.stringify(path)}`);
          },
        );
      }
      return server;
    },

    handler: createHandler(core),
    middleware: createMiddleware(core),

    patch<T>(path: string, recipe: Recipe<T>): Promise<string> {
      return withResource(path, 'patch', async (resource) => {
        const outcome = await resource.writeFromHead((head) => {
          // The patches come from comparing values (immer keeps untouched parts identical, so this is cheap):
          // `push` + `shift` on a list is then 2 splices, where immer's own patches rewrite every index.
          const next = produce(head as T, recipe as never);
          return { patches: diffJson(head, next), peer: 'server' };
        });
        return versionOf(outcome);
      });
    },

    get<T>(path: string) {
      const snapshot = (resource: Resource): ResourceSnapshot<T> => {
        const { version, value } = resource.head;
        return { version: [...version], value: value as T };
      };
      return awaitable(() => use(path, 'get'), snapshot, `braid.get(${JSON.stringify(path)})`);
    },

    history(path: string, { limit }: { limit?: number } = {}) {
      const entries = (resource: Resource): HistoryEntry[] => resource.historyEntries(limit);
      return awaitable(() => use(path, 'history'), entries, `braid.history(${JSON.stringify(path)})`);
    },

    revert(path: string, version: string): Promise<string> {
      return withResource(path, 'revert', async (resource) => {
        const outcome = await resource.writeFromHead(() => {
          const found = resource.valueAt([version]);
          if (!found)
            throw new Error(`braid.revert: version ${JSON.stringify(version)} is not in ${path}'s history`);
          return { patches: [{ range: '', content: found.value }], peer: 'server' };
        });
        return versionOf(outcome);
      });
    },

    subscribe<T>(path: string, listener: (change: ResourceChange<T>) => void): () => void {
      const resource = use(path, 'subscribe');
      let stop: (() => void) | undefined;
      let cancelled = false;
      resource.ready
        .then(() => {
          if (!cancelled && !core.closed)
            stop = resource.listen(listener as (change: ResourceChange) => void);
        })
        .catch((error) => core.reportError(error, `braid.subscribe(${JSON.stringify(path)})`))
        .finally(() => resource.release());
      return () => {
        cancelled = true;
        stop?.();
      };
    },

    stats(): BraidServerStats {
      let subscribers = 0;
      for (const resource of core.registry.all()) subscribers += resource.subscriberCount;
      return {
        resources: core.registry.size,
        subscribers,
        cutOffs: core.sinkStats.cutOffs,
        peakBufferedBytes: core.sinkStats.peakBufferedBytes,
        heartbeatTimers: core.heartbeats.timerCount,
        multiplexers: core.multiplexers.size,
        multiplexedSubscribers: core.multiplexers.responses,
      };
    },

    close(): Promise<void> {
      closing ??= (async () => {
        core.closed = true;
        core.abortPendingBodies();
        const resources = [...core.registry.all()];
        for (const resource of resources) resource.closeSubscriptions();
        core.multiplexers.closeAll();
        core.heartbeats.clear();
        // Writes already accepted into a queue finish (and are acknowledged) before the store closes.
        await Promise.all(resources.map((resource) => resource.idle()));
        await core.store.close();
      })();
      return closing;
    },
  };
  return server;
}

/**
 * A result that is usable synchronously once the resource is loaded, and awaitable always (awaiting loads the
 * resource if needed). Before the load finished, touching the synchronous result throws a clear error instead
 * of returning a value that is not the resource's. `open` returns the resource retained; it is released here.
 */
function awaitable<T extends object>(open: () => Resource, read: (resource: Resource) => T, what: string) {
  const then: PromiseLike<T>['then'] = (onFulfilled, onRejected) => {
    let result: Promise<T>;
    try {
      const resource = open();
      result = resource.ready.then(() => read(resource)).finally(() => resource.release());
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.then(onFulfilled, onRejected);
  };
  const resource = open();
  if (resource.isLoaded) {
    let value: T;
    try {
      value = read(resource);
    } finally {
      resource.release();
    }
    Object.defineProperty(value, 'then', { value: then, enumerable: false, configurable: true });
    return value as T & PromiseLike<T>;
  }
  // Keep the load going (the resource stays retained until it is done).
  resource.ready.then(
    () => resource.release(),
    () => resource.release(),
  );
  return new Proxy({} as T & PromiseLike<T>, {
    get(_target, key) {
      if (key === 'then') return then;
      if (typeof key === 'symbol') return undefined;
      throw new Error(`${what} is still loading from the store: await it (const x = await ${what})`);
    },
  });
}
