import { describe, expect, it } from 'vitest';
import { CommitQueue } from './commitQueue';

describe('CommitQueue', () => {
  it('batches appends made while a batch runs, and runs exclusive tasks in call order', async () => {
    const events: string[] = [];
    let release!: () => void;
    const queue = new CommitQueue<number>(async (items) => {
      events.push(`batch ${items.join(',')}`);
      if (items[0] === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const done: Promise<unknown>[] = [queue.append(1)];
    await new Promise((resolve) => setImmediate(resolve)); // batch [1] is running and blocked
    done.push(queue.append(2), queue.append(3));
    done.push(queue.exclusive(async () => events.push('exclusive')));
    done.push(queue.append(4), queue.append(5));
    release();
    await Promise.all(done);
    expect(events).toEqual(['batch 1', 'batch 2,3', 'exclusive', 'batch 4,5']);
  });

  it('rejects every append of a failed batch and keeps going', async () => {
    const queue = new CommitQueue<number>(async (items) => {
      if (items.includes(2)) throw new Error('disk full');
    });
    const one = queue.append(1);
    const two = queue.append(2);
    await expect(one).rejects.toThrow('disk full'); // same batch as 2
    await expect(two).rejects.toThrow('disk full');
    await expect(queue.exclusive(async () => 'ran')).resolves.toBe('ran');
    await expect(queue.append(3)).resolves.toBeUndefined();
    await queue.idle();
  });
});
