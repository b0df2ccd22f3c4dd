import { nodeStoreFs, type StoreFileHandle, type StoreFs } from './storeFs';

export type FaultyOperation = 'write' | 'datasync' | 'truncate';

/**
 * Test-only (not exported from the package): the real file system, with faults on demand. `failNext('write',
 * 'ENOSPC')` makes the next write of a log file fail with that code, after writing `partialBytes` of it
 * (a short write, as a full disk does); `failNext('datasync', 'EIO')` fails the next fsync after the data
 * reached the page cache (as Linux does). Each fault fires once.
 */
export function faultyFs(base: StoreFs = nodeStoreFs) {
  const pending: { op: FaultyOperation; code: string; partialBytes: number }[] = [];
  const fired: string[] = [];

  function take(op: FaultyOperation) {
    const index = pending.findIndex((fault) => fault.op === op);
    return index < 0 ? undefined : pending.splice(index, 1)[0];
  }

  function errorOf(op: FaultyOperation, code: string): NodeJS.ErrnoException {
    fired.push(`${op}:${code}`);
    const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${op}`);
    error.code = code;
    return error;
  }

  function wrap(handle: StoreFileHandle): StoreFileHandle {
    return {
      readFile: () => handle.readFile(),
      sync: () => handle.sync(),
      close: () => handle.close(),
      async write(buffer, offset, length, position) {
        const fault = take('write');
        if (!fault) return handle.write(buffer, offset, length, position);
        if (fault.partialBytes > 0)
          await handle.write(buffer, offset, Math.min(length, fault.partialBytes), position);
        throw errorOf('write', fault.code);
      },
      async datasync() {
        const fault = take('datasync');
        if (fault) throw errorOf('datasync', fault.code);
        return handle.datasync();
      },
      async truncate(length) {
        const fault = take('truncate');
        if (fault) throw errorOf('truncate', fault.code);
        return handle.truncate(length);
      },
    };
  }

  const fs: StoreFs = {
    ...base,
    open: async (path, flags) => {
      const handle = await base.open(path, flags);
      // Directories are opened to be fsync'd; log files (and temp files) get the faults.
      return flags === 'r' ? handle : wrap(handle);
    },
  };
  return {
    fs,
    failNext(op: FaultyOperation, code: string, partialBytes = 0): void {
      pending.push({ op, code, partialBytes });
    },
    /** Faults that fired so far, as `op:CODE`. */
    fired,
  };
}
