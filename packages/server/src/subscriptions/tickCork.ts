/**
 * "Same tick" detection for corking: the first write to a socket in a tick goes straight out (the common case
 * of one update per tick costs nothing extra); from the second write in the same tick on, the socket is corked
 * and uncorked once at the end of the tick, so several due updates leave in one syscall.
 */

interface Corkable {
  cork(): void;
  uncork(): void;
}

let tick = 0;
let tickEndScheduled = false;
const corked: Corkable[] = [];

function endTick(): void {
  tick++;
  tickEndScheduled = false;
  for (let i = 0; i < corked.length; i++) corked[i].uncork();
  corked.length = 0;
}

/** An id of the current tick (it changes once the current synchronous run and its queued microtasks are done). */
export function currentTick(): number {
  if (!tickEndScheduled) {
    tickEndScheduled = true;
    queueMicrotask(endTick);
  }
  return tick;
}

/** Corks `target` until the end of the current tick. */
export function corkUntilTickEnd(target: Corkable): void {
  target.cork();
  corked.push(target);
}
