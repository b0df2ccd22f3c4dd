/** What the pool can ask of a log: whether it is in the middle of an operation, and to close its file. */
export interface FileHolder {
  readonly busy: boolean;
  /** Closes the open handle now (the log reopens it on its next operation). */
  closeHandle(): Promise<void>;
}

/**
 * The open log files of one store, least recently used first, at most `max` at once: opening one more closes
 * the least recently used log that is not in the middle of an operation. Without it a store serving many
 * pattern paths holds one descriptor per path ever touched, until the process hits its fd limit (EMFILE).
 * (Logs busy right now are never closed, so the count can pass `max` by the number of concurrent operations.)
 */
export class OpenFiles {
  /** Map order = least recently used first. */
  private readonly holders = new Set<FileHolder>();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.holders.size;
  }

  /** `holder` has a handle open and just used it. */
  touch(holder: FileHolder): void {
    this.holders.delete(holder);
    this.holders.add(holder);
    if (this.holders.size <= this.max) return;
    for (const oldest of this.holders) {
      if (this.holders.size <= this.max) break;
      if (oldest === holder || oldest.busy) continue;
      this.holders.delete(oldest);
      const closed = oldest.closeHandle().finally(() => this.closing.delete(closed));
      closed.catch(() => {}); // a failed close leaves nothing to do: the descriptor is gone either way
      this.closing.add(closed);
    }
  }

  /** `holder` closed its handle itself. */
  forget(holder: FileHolder): void {
    this.holders.delete(holder);
  }

  /** Resolves once the closes started by the pool are done. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.closing]);
  }
}
