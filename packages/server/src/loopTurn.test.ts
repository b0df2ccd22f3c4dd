import { describe, expect, it } from 'vitest';
import { LoopTurn } from './loopTurn';

/** A turn always due: every pause gives the loop back. */
class DueTurn extends LoopTurn {
  override get due(): boolean {
    return true;
  }
}

describe('LoopTurn', () => {
  it('resumes one paused turn per loop iteration, in turn, so their slices do not add up', async () => {
    // An immediate that reschedules itself runs once per iteration: it numbers them.
    let iteration = 0;
    let ticking = true;
    const tick = () => {
      iteration++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const resumed: [turn: number, iteration: number][] = [];
    const run = async (turn: number) => {
      const loop = new DueTurn();
      for (let slice = 0; slice < 3; slice++) {
        await loop.pause();
        resumed.push([turn, iteration]);
      }
    };
    await Promise.all([run(0), run(1), run(2)]);
    ticking = false;
    expect(resumed.map(([turn]) => turn)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const iterations = resumed.map(([, at]) => at);
    expect(new Set(iterations).size).toBe(iterations.length);
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
