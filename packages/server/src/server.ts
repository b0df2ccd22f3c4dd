import {
  diffJson,
  isStandardSchema,
  type ResourcePattern,
  type ResourceToken,
  resourcePath,
} from '@braid-live/core/protocol';
import { produce } from 'immer';
import { createFetchHandler } from './adapters/fetch';
import { createNodeHandler, createNodeMiddleware } from './adapters/node';
import { compilePathPattern } from './resource/pathPattern';
import type { LoadedResource } from './resource/registry';
import { ResourceError } from './resource/resourceError';
import type { WriteOutcome } from './resource/serverResource';
import { checkInitialValue } from './resource/validateWrite';
import { ServerContext } from './serverContext';
import type { PresenceOptions } from './text/presence';
import { isPresenceDefinition, presenceDefinition, presenceDocuments } from './text/presenceRegistry';
import type { TextWriteOutcome } from './text/TextResource';
import { type TextResourceOptions, textDefinition } from './text/textOptions';
import type {
  BraidServer,
  BraidServerOptions,
  BraidServerStats,
  HistoryEntry,
  Recipe,
  ResourceChange,
  ResourceOptions,
  ResourceSnapshot,
  ResourceTarget,
} from './types';

/**
 * A Braid-HTTP server: resources readable, subscribable and writable over plain HTTP, with a durable history.
 * See README.md for the protocol details and every option.
 */
export function createBraidServer(options: BraidServerOptions = {}): BraidServer {
  const ctx = new ServerContext(options);
  let closing: Promise<void> | undefined;

  /** Runs `use` with the loaded resource at `target` (held while it runs: see ResourceRegistry.with). */
  async function withResource<T, R>(
    target: ResourceTarget<T>,
    caller: string,
    use: (resource: LoadedResource) => R | Promise<R>,
  ): Promise<R> {
    const path = resourcePath(target);
    if (ctx.closed) throw new Error(`braid.${caller}: the server is closed`);
    const route = ctx.registry.match(path);
    if (!route) throw new Error(`braid.${caller}: no resource at ${JSON.stringify(path)}`);
    if (isPresenceDefinition(route.options))
      throw new Error(
        `braid.${caller}: ${JSON.stringify(path)} is a presence path (ephemeral: no value or history)`,
      );
    return ctx.registry.withAny(route, use);
  }

  function versionOf(outcome: WriteOutcome | TextWriteOutcome): string {
    if (outcome.kind === 'applied') return 'id' in outcome.entry ? outcome.entry.id : outcome.entry.version;
    return 'frontier' in outcome ? outcome.frontier.join(', ') : outcome.version;
  }

  const server: BraidServer = {
    resource<T>(
      target: string | ResourceToken<T> | ResourcePattern<T>,
      givenOptions: ResourceOptions<T>,
    ): BraidServer {
      const { path, options: resourceOptions } = definitionOf(target, givenOptions as ResourceOptions);
      ctx.registry.define(path, resourceOptions);
      const route = ctx.registry.match(path);
      // Exact paths start loading now, so the first request does not wait for the store.
      // (A pattern like `/t/:id` is no resource itself: nothing to load.)
      if (route && compilePathPattern(path).isExact && !ctx.closed) {
        ctx.registry
          .withAny(route, () => {})
          .catch((error) => ctx.reportError(error, `loading ${JSON.stringify(path)}`));
      }
      return server;
    },

    text(path: string, textOptions: TextResourceOptions) {
      return server.resource(path, textDefinition(path, textOptions) as unknown as ResourceOptions);
    },

    presence(path: string, presenceOptions: PresenceOptions = {}) {
      // Not a loaded resource (nothing to load or store): the registry only routes it.
      ctx.registry.define(path, presenceDefinition(path, presenceOptions) as unknown as ResourceOptions);
      return server;
    },

    handler: createNodeHandler(ctx),
    middleware: createNodeMiddleware(ctx),
    fetch: createFetchHandler(ctx),

    patch<T>(target: ResourceTarget<T>, recipe: Recipe<T>): Promise<string> {
      return withResource(target, 'patch', async (resource) => {
        const outcome = await resource.writeFromHead((head) => {
          // The patches come from comparing values (immer keeps untouched parts identical, so this is cheap):
          // `push` + `shift` on a list is then 2 splices, where immer's own patches rewrite every index.
          const next: unknown = produce(head, recipe as (draft: unknown) => void);
          return { patches: diffJson(head, next), peer: 'server' };
        });
        return versionOf(outcome);
      });
    },

    get<T>(target: ResourceTarget<T>): Promise<ResourceSnapshot<T>> {
      return withResource(target, 'get', (resource) => {
        const { version, value } = resource.head;
        return { version: [...version], value: value as T };
      });
    },

    history<T>(target: ResourceTarget<T>, { limit }: { limit?: number } = {}): Promise<HistoryEntry[]> {
      return withResource(target, 'history', (resource) => resource.historyEntries(limit));
    },

    revert<T>(target: ResourceTarget<T>, version: string): Promise<string> {
      return withResource(target, 'revert', async (resource) => {
        const outcome = await resource.writeFromHead(() => {
          const found = resource.valueAt([version]);
          if (!found) {
            throw new ResourceError(
              'unknown-version',
              `braid.revert: version ${JSON.stringify(version)} is not in ${resource.path}'s history`,
            );
          }
          return { patches: [{ range: '', content: found.value }], peer: 'server' };
        });
        return versionOf(outcome);
      });
    },

    subscribe<T>(target: ResourceTarget<T>, listener: (change: ResourceChange<T>) => void): () => void {
      let stop: (() => void) | undefined;
      let cancelled = false;
      // The listener itself keeps the resource loaded (an idle resource has none), so the hold of `with` only
      // has to cover the load.
      withResource(target, 'subscribe', (resource) => {
        if (!cancelled && !ctx.closed) stop = resource.listen(listener as (change: ResourceChange) => void);
      }).catch((error) =>
        ctx.reportError(
          error,
          `braid.subscribe(${JSON.stringify(typeof target === 'string' ? target : target?.path)})`,
        ),
      );
      return () => {
        cancelled = true;
        stop?.();
      };
    },

    stats(): BraidServerStats {
      let subscribers = 0;
      for (const resource of ctx.registry.all()) subscribers += resource.subscriberCount;
      return {
        resources: ctx.registry.size,
        subscribers,
        cutOffs: ctx.sinkStats.cutOffs,
        peakBufferedBytes: ctx.sinkStats.peakBufferedBytes,
        heartbeatTimers: ctx.heartbeats.timerCount,
        multiplexers: ctx.multiplexers.size,
        multiplexedSubscribers: ctx.multiplexers.responses,
        residentBytes: ctx.registry.memory.used,
        presenceDocuments: presenceDocuments(ctx).size,
      };
    },

    close(): Promise<void> {
      closing ??= (async () => {
        ctx.closed = true;
        ctx.abortPendingBodies();
        const resources = [...ctx.registry.all()];
        for (const resource of resources) resource.closeSubscriptions();
        presenceDocuments(ctx).closeAll();
        ctx.multiplexers.closeAll();
        ctx.heartbeats.clear();
        // Writes already accepted into a queue finish (and are acknowledged) before the store closes.
        await Promise.all(resources.map((resource) => resource.idle()));
        await ctx.store.close();
      })();
      return closing;
    },
  };
  return server;
}

/**
 * The path and options of a `braid.resource` call: a path with its options, or a token (or pattern) from
 * `defineResource`, whose schema joins the options. A schema's initial value is checked here (see
 * checkInitialValue): a sync schema that refuses it throws before anything is defined.
 */
function definitionOf<T>(
  target: string | ResourceToken<T> | ResourcePattern<T>,
  options: ResourceOptions,
): { path: string; options: ResourceOptions } {
  let path: string;
  let definition = options;
  if (typeof target === 'string') path = target;
  else if (target?.kind === 'resource' || target?.kind === 'pattern') {
    path = target.kind === 'pattern' ? target.pattern : target.path;
    if (options && typeof options === 'object' && target.schema) {
      if (options.schema !== undefined && options.schema !== target.schema) {
        throw new TypeError(
          `braid.resource(${JSON.stringify(path)}): the token has a schema already; options.schema would be a second one`,
        );
      }
      definition = { ...options, schema: target.schema };
    }
  } else {
    throw new TypeError('braid.resource: the first argument must be a path or a token from defineResource()');
  }
  const schema = definition?.schema;
  if (schema !== undefined) {
    if (!isStandardSchema(schema)) {
      throw new TypeError(
        `braid.resource(${JSON.stringify(path)}): options.schema has no Standard Schema v1 interface ('~standard')`,
      );
    }
    // A function of the params is checked for each path as it loads; so is this one with an async schema.
    if (typeof definition.initial !== 'function') {
      const pending = checkInitialValue(path, schema, definition.initial);
      pending?.catch(() => {});
    }
  }
  return { path, options: definition };
}
