import type { ServerContext } from '../serverContext';
import type { ResourceOptions } from '../types';
import { compilePathPattern, type PathPattern } from './pathPattern';
import { ServerResource } from './serverResource';

/** A request path matched to its resource definition. */
export interface Route {
  path: string;
  params: Record<string, string>;
  options: ResourceOptions;
}

/**
 * ServerResource definitions (exact paths and patterns) and the resources loaded from them. A resource is created on
 * first use and loads its history from the store. Pattern paths are unbounded (`/api/tickers/:symbol`), so past
 * `maxLoaded` resources the least recently used idle ones (no request, write, subscriber or listener) are
 * dropped from memory; the store has everything, so they simply reload on their next use.
 */
export class ResourceRegistry {
  private readonly exact = new Map<string, ResourceOptions>();
  private readonly patterns: { pattern: PathPattern; options: ResourceOptions }[] = [];
  /** Insertion order = least recently used first (`use` re-inserts). */
  private readonly loaded = new Map<string, ServerResource>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly maxLoaded: number,
  ) {}

  define(path: string, options: ResourceOptions): void {
    if (!options || typeof options !== 'object' || !('initial' in options)) {
      throw new TypeError(`braid.resource(${JSON.stringify(path)}): options.initial is required`);
    }
    const pattern = compilePathPattern(path);
    if (pattern.isExact) {
      if (this.exact.has(path))
        throw new TypeError(`braid.resource: ${JSON.stringify(path)} is already defined`);
      this.exact.set(path, options);
    } else {
      this.patterns.push({ pattern, options });
    }
  }

  /** The definition serving `path` (exact paths first, then patterns in definition order). */
  match(path: string): Route | undefined {
    const exact = this.exact.get(path);
    if (exact) return { path, params: Object.create(null), options: exact };
    for (const { pattern, options } of this.patterns) {
      const params = pattern.match(path);
      if (params) return { path, params, options };
    }
    return undefined;
  }

  /**
   * Runs `use` with the resource of a route, loaded: created (and loading) if needed, and held while `use`
   * runs, so that it is never evicted in the middle of a request. The hold ends when `use` settles, whatever
   * happens: nobody has to remember to release.
   */
  async with<R>(route: Route, use: (resource: ServerResource) => R | Promise<R>): Promise<R> {
    const resource = this.acquire(route);
    try {
      await resource.ready;
      return await use(resource);
    } finally {
      resource.release();
    }
  }

  private acquire(route: Route): ServerResource {
    let resource = this.loaded.get(route.path);
    if (resource) {
      this.loaded.delete(route.path);
    } else {
      resource = new ServerResource(route.path, route.params, route.options, this.ctx);
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

  get(path: string): ServerResource | undefined {
    return this.loaded.get(path);
  }

  all(): IterableIterator<ServerResource> {
    return this.loaded.values();
  }

  get size(): number {
    return this.loaded.size;
  }

  private evictIdle(): void {
    if (this.loaded.size <= this.maxLoaded) return;
    for (const [path, resource] of this.loaded) {
      if (this.loaded.size <= this.maxLoaded) break;
      if (resource.isIdle && resource.isLoaded) {
        this.loaded.delete(path);
        // The store may close what it holds for it (the file store's log): reopened when it is used again.
        this.ctx.store.release?.(path);
      }
    }
  }
}
