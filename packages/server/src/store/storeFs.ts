import * as fsPromises from 'node:fs/promises';

/** The calls a log makes on an open file: a subset of node's FileHandle. */
export interface StoreFileHandle {
  readFile(): Promise<Buffer>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls the file store makes: a subset of `node:fs/promises`, which is the default. It is an
 * option so that tests can inject real faults (ENOSPC on one write, EIO on one fsync) into a real store on a
 * real disk, and check what the server answers and what survives.
 */
export interface StoreFs {
  open(path: string, flags: string): Promise<StoreFileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
}

export const nodeStoreFs: StoreFs = {
  open: (path, flags) => fsPromises.open(path, flags),
  rename: fsPromises.rename,
  rm: fsPromises.rm,
  mkdir: fsPromises.mkdir,
  readdir: (path) => fsPromises.readdir(path),
};
