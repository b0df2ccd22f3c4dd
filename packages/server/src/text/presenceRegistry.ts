import type { ServerContext } from '../serverContext';
import {
  DEFAULT_PRESENCE_LIMITS,
  PresenceDocument,
  PresenceError,
  type PresenceLimits,
  type PresenceOptions,
} from './presence';

/** Marks a route definition as presence (registered by `braid.presence`). */
export const PRESENCE = Symbol('braid-live presence');

export interface PresenceDefinition extends PresenceOptions {
  readonly [PRESENCE]: PresenceLimits;
}

export function isPresenceDefinition(options: unknown): options is PresenceDefinition {
  return typeof options === 'object' && options !== null && PRESENCE in options;
}

export function presenceDefinition(path: string, options: PresenceOptions = {}): PresenceDefinition {
  const limits = { ...DEFAULT_PRESENCE_LIMITS };
  for (const key of Object.keys(DEFAULT_PRESENCE_LIMITS) as (keyof PresenceLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`braid.presence(${JSON.stringify(path)}): ${key} must be a positive integer`);
    limits[key] = value;
  }
  return { ...options, [PRESENCE]: limits };
}

/** The presence documents of one server, per path; a document is forgotten as soon as it is empty. */
class PresenceDocuments {
  private readonly documents = new Map<string, PresenceDocument>();
  private readonly perDefinition = new Map<PresenceDefinition, number>();

  /** The document at `path`, created if `create` (429-style refusal past the definition's maxDocuments). */
  get(path: string, definition: PresenceDefinition, create: boolean): PresenceDocument | undefined {
    const found = this.documents.get(path);
    if (found || !create) return found;
    const limits = definition[PRESENCE];
    const count = this.perDefinition.get(definition) ?? 0;
    if (count >= limits.maxDocuments)
      throw new PresenceError(
        'too-many-documents',
        `too many presence documents under this path (at most ${limits.maxDocuments})`,
      );
    const document = new PresenceDocument(limits);
    this.documents.set(path, document);
    this.perDefinition.set(definition, count + 1);
    document.whenEmpty(() => {
      if (this.documents.get(path) !== document) return;
      this.documents.delete(path);
      this.perDefinition.set(definition, (this.perDefinition.get(definition) ?? 1) - 1);
    });
    return document;
  }

  get size(): number {
    return this.documents.size;
  }

  closeAll(): void {
    for (const document of [...this.documents.values()]) document.closeAll();
    this.documents.clear();
    this.perDefinition.clear();
  }
}

const byServer = new WeakMap<ServerContext, PresenceDocuments>();

export function presenceDocuments(ctx: ServerContext): PresenceDocuments {
  let documents = byServer.get(ctx);
  if (!documents) {
    documents = new PresenceDocuments();
    byServer.set(ctx, documents);
  }
  return documents;
}
