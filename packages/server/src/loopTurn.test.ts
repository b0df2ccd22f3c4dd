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
