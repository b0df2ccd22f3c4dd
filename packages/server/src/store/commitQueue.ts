/**
 * Runs one resource's writes one at a time, in call order, and batches appends (group commit).
 *
 * `append(item)` joins the batch at the end of the queue if that batch has not started yet, or opens a new
 * one. So while a batch is being written and fsync'd, every append that arrives meanwhile lands in the next
 * batch, which is written with one write + one fsync when the current one is done. `exclusive(fn)` (load,
 * compact) runs alone after everything queued before it; appends made after it go into a batch after it.
 */
export class CommitQueue<Item> {
  private readonly tasks: Task<Item>[] = [];
  private draining = false;

  constructor(private readonly writeBatch: (items: Item[]) => Promise<void>) {}

  /** Resolves once the batch holding `item` has been written (i.e. made durable, for a file log). */
  append(item: Item): Promise<void> {
    const last = this.tasks.at(-1);
    if (last?.kind === 'batch') {
      last.items.push(item);
      return last.done.promise as Promise<void>;
    }
    const task: Task<Item> = { kind: 'batch', items: [item], done: deferred() };
    this.enqueue(task);
    return task.done.promise as Promise<void>;
  }

  exclusive<T>(run: () => Promise<T>): Promise<T> {
    const task: Task<Item> = { kind: 'exclusive', run, done: deferred() };
    this.enqueue(task);
    return task.done.promise as Promise<T>;
  }

  /** Resolves when everything queued so far has run (whatever its outcome). */
  idle(): Promise<void> {
    return this.exclusive(async () => {});
  }

  private enqueue(task: Task<Item>): void {
    this.tasks.push(task);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    // One microtask turn first, so appends made in the same synchronous run join the first batch.
    await null;
    for (let task = this.tasks.shift(); task; task = this.tasks.shift()) {
      try {
        const result = task.kind === 'batch' ? await this.writeBatch(task.items) : await task.run();
        task.done.resolve(result);
      } catch (error) {
        task.done.reject(error);
      }
    }
    this.draining = false;
  }
}

type Task<Item> =
  | { kind: 'batch'; items: Item[]; done: Deferred }
  | { kind: 'exclusive'; run: () => Promise<unknown>; done: Deferred };

interface Deferred {
  promise: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
