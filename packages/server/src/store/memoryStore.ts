import type { BraidStore, StoredResource, VersionRecord } from './types';

/**
 * A store that keeps everything in memory, for tests and demos. Records are kept by reference (they are
 * immutable by contract); `load` returns fresh arrays so callers cannot rearrange the stored history.
 * `logSize` counts the JSON bytes of the records appended since the last compaction, like the file store.
 */
export function memoryStore(): BraidStore {
  const resources = new Map<
    string,
    { base?: StoredResource['base']; records: VersionRecord[]; size: number }
  >();
  let closed = false;

  function checkOpen(): void {
    if (closed) throw new Error('memoryStore is closed');
  }

  return {
    async load(path) {
      checkOpen();
      const stored = resources.get(path);
      if (!stored) return undefined;
      return stored.base
        ? { base: stored.base, records: [...stored.records] }
        : { records: [...stored.records] };
    },

    async append(path, record) {
      checkOpen();
      const size = Buffer.byteLength(JSON.stringify(record));
      const stored = resources.get(path);
      if (stored) {
        stored.records.push(record);
        stored.size += size;
      } else {
        resources.set(path, { records: [record], size });
      }
    },

    logSize(path) {
      return resources.get(path)?.size ?? 0;
    },

    async compact(path, state) {
      checkOpen();
      resources.set(path, { base: state.base, records: [...state.records], size: 0 });
    },

    async close() {
      closed = true;
    },
  };
}
