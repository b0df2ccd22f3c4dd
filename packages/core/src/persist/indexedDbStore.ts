import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import {
  type Leftovers,
  PersistError,
  type PersistStore,
  type StoredEdits,
  type StoredState,
  type StoredWrite,
} from './types';

export interface IndexedDbStoreOptions {
  /** Database name (default `braid-live`): one per app on an origin. */
  name?: string;
  /**
   * The app's own version. Entries written by another version are not replayed blindly after an upgrade (the
   * document's shape may have changed): they are handed to the app as stale (`BraidError('outbox-stale')`).
   */
  appVersion?: string;
  /** Bytes of unconfirmed writes and edits, all resources together (default 5 MiB). Past it: `outbox-full`. */
  maxOutboxBytes?: number;
  /** Bytes of cached confirmed states (default 20 MiB); the least recently saved are evicted past it. */
  maxCacheBytes?: number;
}

interface Schema extends DBSchema {
  writes: { key: [string, string]; value: StoredWrite; indexes: { resource: string } };
  /** `outbox`: bytes held by writes and edits together (kept in the same transactions as they change). */
  meta: { key: string; value: number };
  edits: { key: string; value: StoredEdits };
  states: { key: string; value: StoredState; indexes: { savedAt: number } };
}

const DB_VERSION = 1;
const MiB = 1024 * 1024;

/**
 * The outbox and the confirmed-state cache in IndexedDB. The outbox is never evicted (it holds edits the server
 * has not confirmed): past its bound a new write is refused with `outbox-full` (the client still sends it from
 * memory). The cache is: the least recently saved states go first.
 */
export function indexedDbStore(options: IndexedDbStoreOptions = {}): PersistStore {
  const appVersion = options.appVersion ?? '';
  const maxOutbox = options.maxOutboxBytes ?? 5 * MiB;
  const maxCache = options.maxCacheBytes ?? 20 * MiB;
  if (!globalThis.indexedDB) throw new PersistError('storage-failed', 'IndexedDB is not available here');
  let seq = Date.now() * 1000;
  let db: Promise<IDBPDatabase<Schema>> | undefined;
  const open = () =>
    (db ??= openDB<Schema>(options.name ?? 'braid-live', DB_VERSION, {
      upgrade(database) {
        const writes = database.createObjectStore('writes', { keyPath: ['resource', 'version'] });
        writes.createIndex('resource', 'resource');
        database.createObjectStore('edits', { keyPath: 'resource' });
        const states = database.createObjectStore('states', { keyPath: 'resource' });
        states.createIndex('savedAt', 'savedAt');
        database.createObjectStore('meta');
      },
    }));

  type OutboxTx = IDBPTransaction<Schema, ('writes' | 'edits' | 'meta')[], 'readwrite'>;
  /** Adds `delta` to the outbox tally, refusing growth past the bound (shrinking always passes). */
  const account = async (tx: OutboxTx, delta: number) => {
    const meta = tx.objectStore('meta');
    const used = (await meta.get('outbox')) ?? 0;
    if (delta > 0 && used + delta > maxOutbox) {
      throw new PersistError(
        'outbox-full',
        `the offline outbox is full (${used} of ${maxOutbox} bytes): this edit is kept in memory only until the server confirms it`,
      );
    }
    await meta.put(Math.max(0, used + delta), 'outbox');
  };
  const outboxTx = async () => (await open()).transaction(['writes', 'edits', 'meta'], 'readwrite');

  return {
    async putWrite(write) {
      const tx = await outboxTx();
      const store = tx.objectStore('writes');
      const entry: StoredWrite = { ...write, seq: seq++, appVersion, bytes: sizeOf(write.patches) };
      const old = await store.get([write.resource, write.version]);
      await account(tx, entry.bytes - (old?.bytes ?? 0));
      if (old) entry.seq = old.seq;
      await store.put(entry);
      await tx.done;
    },
    async deleteWrite(resource, version) {
      const tx = await outboxTx();
      const old = await tx.objectStore('writes').get([resource, version]);
      if (old) {
        await tx.objectStore('writes').delete([resource, version]);
        await account(tx, -old.bytes);
      }
      await tx.done;
    },
    async replaceWrite(resource, oldVersion, write) {
      const tx = await outboxTx();
      const store = tx.objectStore('writes');
      const old = await store.get([resource, oldVersion]);
      const entry: StoredWrite = {
        ...write,
        seq: old?.seq ?? seq++,
        appVersion,
        bytes: sizeOf(write.patches),
      };
      await account(tx, entry.bytes - (old?.bytes ?? 0));
      await store.delete([resource, oldVersion]);
      await store.put(entry);
      await tx.done;
    },
    async putEdits(resource, patches, count) {
      const tx = await outboxTx();
      const store = tx.objectStore('edits');
      const old = await store.get(resource);
      if (patches.length === 0) {
        if (old) {
          await store.delete(resource);
          await account(tx, -old.bytes);
        }
      } else {
        const entry: StoredEdits = { resource, patches, count, appVersion, bytes: sizeOf(patches) };
        await account(tx, entry.bytes - (old?.bytes ?? 0));
        await store.put(entry);
      }
      await tx.done;
    },
    async putState(resource, version, value) {
      const bytes = sizeOf(value);
      if (bytes > maxCache) {
        throw new PersistError(
          'state-too-large',
          `${resource} (${bytes} bytes) is larger than the cache (${maxCache})`,
        );
      }
      const tx = (await open()).transaction(['states', 'meta'], 'readwrite');
      const store = tx.objectStore('states');
      const meta = tx.objectStore('meta');
      const old = await store.get(resource);
      let total = ((await meta.get('cache')) ?? 0) - (old?.bytes ?? 0) + bytes;
      await store.put({ resource, version, value, appVersion, savedAt: Date.now(), bytes });
      if (total > maxCache) {
        // Evict the least recently saved until the cache fits (never the one just saved).
        let cursor = await store.index('savedAt').openCursor();
        while (cursor && total > maxCache) {
          if (cursor.value.resource !== resource) {
            total -= cursor.value.bytes;
            await cursor.delete();
          }
          cursor = await cursor.continue();
        }
      }
      await meta.put(total, 'cache');
      await tx.done;
    },
    async leftovers(resource) {
      const database = await open();
      const tx = database.transaction(['writes', 'edits', 'states', 'meta'], 'readwrite');
      let freed = 0;
      const writes = (await tx.objectStore('writes').index('resource').getAll(resource)).sort(
        (a, b) => a.seq - b.seq,
      );
      const edits = await tx.objectStore('edits').get(resource);
      const state = await tx.objectStore('states').get(resource);
      const out: Leftovers = { writes: [], stale: { writes: [] } };
      for (const w of writes) {
        if (w.appVersion === appVersion) out.writes.push(w);
        else {
          out.stale.writes.push(w);
          freed += w.bytes;
          await tx.objectStore('writes').delete([w.resource, w.version]);
        }
      }
      if (edits && edits.appVersion === appVersion) out.edits = edits;
      else if (edits) {
        out.stale.edits = edits;
        freed += edits.bytes;
        await tx.objectStore('edits').delete(resource);
      }
      if (freed) {
        const used = (await tx.objectStore('meta').get('outbox')) ?? 0;
        await tx.objectStore('meta').put(Math.max(0, used - freed), 'outbox');
      }
      if (state && state.appVersion === appVersion) out.state = state;
      else if (state) {
        await tx.objectStore('states').delete(resource);
        const cached = (await tx.objectStore('meta').get('cache')) ?? 0;
        await tx.objectStore('meta').put(Math.max(0, cached - state.bytes), 'cache');
      }
      await tx.done;
      return out;
    },
    async unconfirmed() {
      const database = await open();
      const tx = database.transaction(['writes', 'edits'], 'readonly');
      let n = 0;
      for (const w of await tx.objectStore('writes').getAll()) n += w.count;
      for (const e of await tx.objectStore('edits').getAll()) n += e.count;
      await tx.done;
      return n;
    },
    close() {
      void db?.then((d) => d.close()).catch(() => {});
      db = undefined;
    },
  };
}

/** UTF-16 length of the JSON: what IndexedDB's structured clone roughly costs, cheap to compute. */
function sizeOf(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}
