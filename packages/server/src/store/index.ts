export type { FileStore, FileStoreOptions, FileStoreStats } from './fileStore';
export { fileStore } from './fileStore';
export { LogHeaderError } from './logFormat';
export { memoryStore } from './memoryStore';
export { resourceFileName } from './resourceFileName';
export type { LogRepair } from './resourceLog';
export type { StoreFileHandle, StoreFs } from './storeFs';
export type { BraidStore, StoredResource, VersionRecord } from './types';
