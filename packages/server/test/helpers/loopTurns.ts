import { LoopTurn } from '../../src/loopTurn';

/** A turn always due: every pause gives the loop back (counted). */
export class CountingTurn extends LoopTurn {
  pauses = 0;
  override get due(): boolean {
    return true;
  }
  override async pause(): Promise<void> {
    this.pauses++;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Counts event-loop iterations (an immediate that reschedules itself runs once per iteration) until stopped. */
export function countLoopIterations(): { readonly count: number; stop(): void } {
  let count = 0;
  let ticking = true;
  const tick = () => {
    count++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      ticking = false;
    },
  };
}
