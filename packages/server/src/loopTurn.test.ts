import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countLoopIterations } from '../test/helpers/loopTurns';
import { LoopTurn } from './loopTurn';

/** A turn always due: every pause gives the loop back. */
class DueTurn extends LoopTurn {
  override get due(): boolean {
    return true;
  }
}

describe('LoopTurn', () => {
  it('resumes one paused turn per loop iteration, in turn, so their slices do not add up', async () => {
    const iterations = countLoopIterations();
    const resumed: [turn: number, iteration: number][] = [];
    const run = async (turn: number) => {
      const loop = new DueTurn();
      for (let slice = 0; slice < 3; slice++) {
        await loop.pause();
        resumed.push([turn, iterations.count]);
      }
    };
    await Promise.all([run(0), run(1), run(2)]);
    iterations.stop();
    expect(resumed.map(([turn]) => turn)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const at = resumed.map(([, iteration]) => iteration);
    expect(new Set(at).size).toBe(at.length);
  });

  it('a turn begun in an I/O callback lets due timers run before its next slice', async () => {
    const order: string[] = [];
    await new Promise<void>((done) => {
      // An fs callback runs in the poll phase, where a plain immediate would run before any timer.
      readFile(__filename, async () => {
        const turn = new DueTurn();
        setTimeout(() => order.push('timer'), 0);
        // (The timer is due once a millisecond has passed.)
        for (const start = performance.now(); performance.now() - start < 2; );
        await turn.pause();
        order.push('slice');
        // Resumed from the queue, the next pause takes the next iteration's check phase as before.
        await turn.pause();
        order.push('slice');
        done();
      });
    });
    expect(order).toEqual(['timer', 'slice', 'slice']);
  });

  it('queueBeforeBigStep: big steps begun in one I/O callback each get a loop iteration of their own', async () => {
    const order: string[] = [];
    const iterations = countLoopIterations();
    const at: number[] = [];
    await new Promise<void>((done) => {
      readFile(__filename, async () => {
        setTimeout(() => order.push('timer'), 0);
        for (const start = performance.now(); performance.now() - start < 2; );
        // Two bodies ended in this poll phase; neither turn is due, both are about to decode 4 MiB.
        const steps = ['a', 'b'].map(async (name) => {
          const turn = new LoopTurn();
          await turn.queueBeforeBigStep();
          order.push(name);
          at.push(iterations.count);
          // Resumed by the queue and not due: the step goes on at once.
          await turn.queueBeforeBigStep();
          order.push(`${name} again`);
        });
        await Promise.all(steps);
        done();
      });
    });
    iterations.stop();
    expect(order).toEqual(['timer', 'a', 'a again', 'b', 'b again']);
    expect(at[1]).toBeGreaterThan(at[0]);
  });

  it('does not wait when the turn is not due', async () => {
    const turn = new LoopTurn();
    let other = false;
    setImmediate(() => {
      other = true;
    });
    await turn.pause();
    expect(other).toBe(false);
  });
});
