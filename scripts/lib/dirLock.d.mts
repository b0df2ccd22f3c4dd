/** Runs `body` holding the lock folder `lockDir` (created atomically; a dead or stale owner's is taken over). */
export declare function withLock<R>(lockDir: string, body: () => Promise<R>): Promise<R>;
