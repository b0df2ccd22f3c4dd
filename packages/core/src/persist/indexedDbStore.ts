import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import { type Loaded, PersistError, type PersistStore, type Replica, type StoredReplica } from './types';

export interface IndexedDbStoreOptions {
  /** Database name (default `braid-live`): one per app on an origin. */
  name?: string;
  /**
   * The app's own version. Edits saved by another version are not replayed blindly after an upgrade (the
   * document's shape may have changed): they are handed to the app as stale (`BraidError('outbox-stale')`).
   */
  appVersion?: string;
  /** Bytes of unconfirmed edits, every resource and tab together (default 5 MiB). Past it: `outbox-full`. */
  maxOutboxBytes?: number;
  /** Bytes of cached confirmed states (default 20 MiB); the least recently saved are dropped past it. */
  maxCacheBytes?: number;
}

interface Schema extends DBSchema {
  replicas: { key: [string, string]; value: StoredReplica; indexes: { resource: string; savedAt: number } };
  /** `outbox` and `cache`: bytes held, kept in the same transactions as the replicas change. */
  meta: { key: string; value: number };
}

const DB_VERSION = 1;
const MiB = 1024 * 1024;

/**
 * The outbox and the confirmed-state cache in IndexedDB, one record per resource and tab. The outbox part is
 * never evicted (the server has not confirmed it): past its bound a save that grows it is refused with
 * `outbox-full` (the client still sends the edit from memory). The cache part is: the least recently saved go.
 */
export function indexedDbStore(options: IndexedDbStoreOptions = {}): PersistStore {
  const appVersion = options.appVersion ?? '';
  const maxOutbox = options.maxOutboxBytes ?? 5 * MiB;
  const maxCache = options.maxCacheBytes ?? 20 * MiB;
  if (!globalThis.indexedDB) throw new PersistError('storage-failed', 'IndexedDB is not available here');
  let db: Promise<IDBPDatabase<Schema>> | undefined;
  const open = () =>
    (db ??= openDB<Schema>(options.name ?? 'braid-live', DB_VERSION, {
      upgrade(database) {
        const replicas = database.createObjectStore('replicas', { keyPath: ['resource', 'tab'] });
        replicas.createIndex('resource', 'resource');
        replicas.createIndex('savedAt', 'savedAt');
        database.createObjectStore('meta');
      },
    }));

  return {
    async save(resource, tab, replica) {
      const outboxBytes = sizeOf(replica.inflight) + sizeOf(replica.buffer);
      const cacheBytes = sizeOf(replica.confirmed);
      if (cacheBytes > maxCache) {
        throw new PersistError(
          'state-too-large',
          `${resource} (${cacheBytes} bytes) is larger than the cache (${maxCache})`,
        );
      }
      const tx = (await open()).transaction(['replicas', 'meta'], 'readwrite');
      const replicas = tx.objectStore('replicas');
      const meta = tx.objectStore('meta');
      let outbox = (await meta.get('outbox')) ?? 0;
      let cache = (await meta.get('cache')) ?? 0;
      let held = 0; // what this tab's replica held before (a save that does not grow the outbox always passes)
      const old = await replicas.get([resource, tab]);
      if (old) {
        held = old.outboxBytes;
        outbox -= old.outboxBytes;
        cache -= old.cacheBytes;
        await replicas.delete([resource, tab]);
      }
      if (outboxBytes > held && outbox + outboxBytes > maxOutbox) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new PersistError(
          'outbox-full',
          `the offline outbox is full (${outbox} of ${maxOutbox} bytes): this edit is kept in memory only until the server confirms it`,
        );
      }
      if (replica.confirmed || replica.inflight || replica.buffer) {
        const record: StoredReplica = {
          ...replica,
          resource,
          tab,
          appVersion,
          savedAt: Date.now(),
          outboxBytes,
          cacheBytes,
        };
        await replicas.put(record);
        outbox += outboxBytes;
        cache += cacheBytes;
      }
      if (cache > maxCache) {
        // Drop the confirmed part of the least recently saved replicas (never this one, never an outbox part).
        let cursor = await replicas.index('savedAt').openCursor();
        while (cursor && cache > maxCache) {
          const r = cursor.value;
          if (!(r.resource === resource && r.tab === tab) && r.cacheBytes > 0) {
            cache -= r.cacheBytes;
            if (r.outboxBytes > 0) await cursor.update({ ...r, confirmed: undefined, cacheBytes: 0 });
            else await cursor.delete();
          }
          cursor = await cursor.continue();
        }
      }
      await meta.put(Math.max(0, outbox), 'outbox');
      await meta.put(Math.max(0, cache), 'cache');
      await tx.done;
    },

    async load(resource, tab, alive) {
      const tx = (await open()).transaction(['replicas', 'meta'], 'readwrite');
      const replicas = tx.objectStore('replicas');
      const all = await replicas.index('resource').getAll(resource);
      const out: Loaded = { replays: [], stale: [] };
      const orphans: StoredReplica[] = [];
      let newest = -1;
      let freedOutbox = 0;
      let freedCache = 0;
      for (const r of all) {
        if (r.appVersion !== appVersion) {
          if (r.inflight || r.buffer) out.stale.push(r);
          freedOutbox += r.outboxBytes;
          freedCache += r.cacheBytes;
          await replicas.delete([r.resource, r.tab]);
          continue;
        }
        if (r.confirmed && r.savedAt > newest) {
          newest = r.savedAt;
          out.confirmed = r.confirmed;
        }
        const owner = r.tab.split('~')[0]!;
        if ((r.inflight || r.buffer) && (owner === tab || !alive(owner))) orphans.push(r);
      }
      // Closed tabs' replicas with nothing unconfirmed are only caches: keep the newest (this page saves its own
      // soon), forget the rest, so records do not pile up one per page load.
      for (const r of all) {
        if (r.appVersion !== appVersion || r.inflight || r.buffer || alive(r.tab.split('~')[0]!)) continue;
        if (r.confirmed && r.savedAt === newest) continue;
        freedCache += r.cacheBytes;
        await replicas.delete([r.resource, r.tab]);
      }
      // The most recent becomes this tab's replica; the others are renamed `<tab>~<n>` to be replayed.
      orphans.sort((a, b) => b.savedAt - a.savedAt);
      for (const [i, r] of orphans.entries()) {
        const name = i === 0 ? tab : `${tab}~${r.savedAt}-${i}`;
        if (r.tab === name) {
          i === 0 ? (out.mine = r) : out.replays.push(r);
          continue;
        }
        await replicas.delete([r.resource, r.tab]);
        const claimed = { ...r, tab: name };
        await replicas.put(claimed);
        if (i === 0) out.mine = claimed;
        else out.replays.push(claimed);
      }
      if (freedOutbox || freedCache) {
        await release(tx, freedOutbox, freedCache);
      }
      await tx.done;
      return out;
    },

    async adopt(tab, alive) {
      const tx = (await open()).transaction('replicas', 'readwrite');
      const replicas = tx.objectStore('replicas');
      const out: StoredReplica[] = [];
      let n = 0;
      for (const r of await replicas.getAll()) {
        if (r.appVersion !== appVersion || (!r.inflight && !r.buffer)) continue; // another version: load() reports it
        const owner = r.tab.split('~')[0]!;
        if (owner === tab) {
          if (r.tab !== tab) out.push(r); // left unsent by an earlier try of this tab (its own replica is live)
          continue;
        }
        if (alive(owner)) continue;
        const claimed = { ...r, tab: `${tab}~t${r.savedAt}-${n++}` };
        await replicas.delete([r.resource, r.tab]);
        await replicas.put(claimed);
        out.push(claimed);
      }
      await tx.done;
      return out;
    },

    async get(resource, tab) {
      return (await open()).get('replicas', [resource, tab]);
    },

    async forget(resource, tab) {
      const tx = (await open()).transaction(['replicas', 'meta'], 'readwrite');
      const old = await tx.objectStore('replicas').get([resource, tab]);
      if (old) {
        await tx.objectStore('replicas').delete([resource, tab]);
        await release(tx, old.outboxBytes, old.cacheBytes);
      }
      await tx.done;
    },

    async unconfirmed() {
      const all = await (await open()).getAll('replicas');
      let n = 0;
      for (const r of all) n += (r.inflight?.count ?? 0) + (r.buffer?.count ?? 0);
      return n;
    },

    close() {
      void db?.then((d) => d.close()).catch(() => {});
      db = undefined;
    },
  };
}

/** Takes bytes of deleted replicas off the tallies, in the transaction that deleted them. */
async function release(
  tx: IDBPTransaction<Schema, ('replicas' | 'meta')[], 'readwrite'>,
  outboxBytes: number,
  cacheBytes: number,
): Promise<void> {
  const meta = tx.objectStore('meta');
  await meta.put(Math.max(0, ((await meta.get('outbox')) ?? 0) - outboxBytes), 'outbox');
  await meta.put(Math.max(0, ((await meta.get('cache')) ?? 0) - cacheBytes), 'cache');
}

/** UTF-16 length of the JSON: about what IndexedDB's structured clone costs, cheap to compute. */
function sizeOf(value: unknown): number {
  return value === undefined ? 0 : (JSON.stringify(value)?.length ?? 0);
}

export type { Replica };
