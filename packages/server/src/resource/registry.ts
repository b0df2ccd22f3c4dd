import type { ServerContext } from '../serverContext';
import { isPresenceDefinition } from '../text/presenceRegistry';
import { TextResource } from '../text/TextResource';
import { isTextDefinition, type TextDefinition } from '../text/textOptions';
import type { ResourceOptions } from '../types';
import { compilePathPattern, type PathPattern } from './pathPattern';
import { PatternQuota } from './patternQuota';
import { ResidentMemory } from './residentMemory';
import { ResourceError } from './resourceError';
import { ServerResource } from './serverResource';
import type { StoredResourceBase } from './storedResource';

/** A request path matched to its resource definition. */
export interface Route {
  path: string;
  params: Record<string, string>;
  options: ResourceOptions | TextDefinition;
  /** The creation count of the pattern that matched (undefined for an exact path). */
  quota?: PatternQuota;
}

/** A loaded resource: JSON (`braid.resource`) or text (`braid.text`). */
export type LoadedResource = ServerResource | TextResource;

/** Seconds a client is asked to wait when the memory budget refuses to load a resource. */
const MEMORY_RETRY_AFTER_SECONDS = 5;

/**
 * ServerResource definitions (exact paths and patterns) and the resources loaded from them. A resource is created on
 * first use and loads its history from the store. Pattern paths are unbounded (`/api/tickers/:symbol`), so past
 * `maxLoaded` resources the least recently used idle ones (no request, write, subscriber or listener) are
 * dropped from memory; the store has everything, so they simply reload on their next use. The same happens
 * when the estimated bytes of all loaded resources pass `maxResidentBytes`; when nothing idle is left to drop,
 * loading one more resource is refused ('over-memory-budget', 503 + Retry-After) while the loaded ones keep
 * being served.
 */
export class ResourceRegistry {
  private readonly exact = new Map<string, ResourceOptions | TextDefinition>();
  private readonly patterns: {
    pattern: PathPattern;
    options: ResourceOptions | TextDefinition;
    quota: PatternQuota;
  }[] = [];
  /** Insertion order = least recently used first (`use` re-inserts). */
  private readonly loaded = new Map<string, LoadedResource>();
  readonly memory: ResidentMemory;

  constructor(
    private readonly ctx: ServerContext,
    private readonly maxLoaded: number,
  ) {
    this.memory = new ResidentMemory(ctx.limits.maxResidentBytes, () => this.evictIdle());
  }

  define(path: string, options: ResourceOptions | TextDefinition): void {
    if (!options || typeof options !== 'object' || !('initial' in options || isPresenceDefinition(options))) {
      throw new TypeError(`braid.resource(${JSON.stringify(path)}): options.initial is required`);
    }
    const pattern = compilePathPattern(path);
    if (pattern.isExact) {
      if (this.exact.has(path))
        throw new TypeError(`braid.resource: ${JSON.stringify(path)} is already defined`);
      this.exact.set(path, options);
    } else {
      const limit = options.maxResources ?? this.ctx.limits.maxResourcesPerPattern;
      if (!Number.isInteger(limit) || limit < 0) {
        throw new TypeError(
          `braid.resource(${JSON.stringify(path)}): maxResources must be a non-negative integer`,
        );
      }
      this.patterns.push({ pattern, options, quota: new PatternQuota(path, limit) });
    }
  }

  /** The definition serving `path` (exact paths first, then patterns in definition order). */
  match(path: string): Route | undefined {
    const exact = this.exact.get(path);
    if (exact) return { path, params: Object.create(null), options: exact };
    for (const { pattern, options, quota } of this.patterns) {
      const params = pattern.match(path);
      if (params) return { path, params, options, quota };
    }
    return undefined;
  }

  /**
   * Runs `use` with the resource of a route, loaded: created (and loading) if needed, and held while `use`
   * runs, so that it is never evicted in the middle of a request. The hold ends when `use` settles, whatever
   * happens: nobody has to remember to release.
   */
  async with<R>(route: Route, use: (resource: ServerResource) => R | Promise<R>): Promise<R> {
    if (isTextDefinition(route.options))
      throw new TypeError(`${JSON.stringify(route.path)} is a text resource (braid.text)`);
    return this.hold(route, use as (resource: LoadedResource) => R | Promise<R>);
  }

  /** `with` for a text resource (`braid.text`). */
  async withText<R>(route: Route, use: (resource: TextResource) => R | Promise<R>): Promise<R> {
    if (!isTextDefinition(route.options))
      throw new TypeError(`${JSON.stringify(route.path)} is not a text resource`);
    return this.hold(route, use as (resource: LoadedResource) => R | Promise<R>);
  }

  /** `with` for either kind (what both have in common: head, history, listen). */
  async withAny<R>(route: Route, use: (resource: LoadedResource) => R | Promise<R>): Promise<R> {
    return this.hold(route, use);
  }

  private async hold<R>(route: Route, use: (resource: LoadedResource) => R | Promise<R>): Promise<R> {
    const resource = this.acquire(route);
    try {
      await resource.ready;
      return await use(resource);
    } finally {
      resource.release();
    }
  }

  private acquire(route: Route): LoadedResource {
    let resource = this.loaded.get(route.path);
    if (resource) {
      this.loaded.delete(route.path);
    } else {
      this.makeRoom();
      const { options } = route;
      const bounds = { memory: this.memory, quota: route.quota };
      resource = isTextDefinition(options)
        ? new TextResource(route.path, route.params, options, this.ctx, bounds)
        : new ServerResource(route.path, route.params, options, this.ctx, bounds);
      // A resource that failed to load is forgotten, so that a later request tries again.
      resource.ready.catch(() => {
        if (this.loaded.get(route.path) === resource) this.loaded.delete(route.path);
      });
    }
    this.loaded.set(route.path, resource);
    resource.retain();
    this.evictIdle();
    return resource;
  }

  get(path: string): LoadedResource | undefined {
    return this.loaded.get(path);
  }

  all(): IterableIterator<LoadedResource> {
    return this.loaded.values();
  }

  get size(): number {
    return this.loaded.size;
  }

  /**
   * Drops `resource` from memory now, held or not (its shared log lost what it holds: see
   * FollowHandlers.onReset). Requests in flight finish on it; the next use loads the resource again.
   */
  forget(path: string, resource: StoredResourceBase): void {
    if (this.loaded.get(path) !== resource) return;
    this.loaded.delete(path);
    resource.detach();
    this.ctx.store.release?.(path);
  }

  /** Before loading one more resource: within the memory budget, or refused. */
  private makeRoom(): void {
    if (!this.memory.isOver) return;
    this.evictIdle();
    if (this.memory.isOver) {
      throw new ResourceError(
        'over-memory-budget',
        `the server holds as much as its memory budget allows (maxResidentBytes ${this.memory.limit}), all of it in use; retry later`,
        { retryAfterSeconds: MEMORY_RETRY_AFTER_SECONDS },
      );
    }
  }

  private get overBudget(): boolean {
    return this.loaded.size > this.maxLoaded || this.memory.isOver;
  }

  /** Drops idle resources, least recently used first, until the count and the bytes are within bounds. */
  private evictIdle(): void {
    if (!this.overBudget) return;
    for (const [path, resource] of this.loaded) {
      if (!this.overBudget) break;
      if (resource.isIdle && resource.isLoaded) {
        this.loaded.delete(path);
        resource.detach();
        // The store may close what it holds for it (the file store's log): reopened when it is used again.
        this.ctx.store.release?.(path);
      }
    }
  }
}
