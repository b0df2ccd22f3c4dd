/**
 * The client row of `pnpm bench hostile`, in a process of its own: an app's `set()` with a recipe touching
 * 200,000 items blocks the app's own event loop, which must not count as the server's (the honest subscriber
 * lives in the bench process). Reports how long `set()` took, what of it was immer's (the same recipe run by
 * `produce` alone on the same value, just before) and so what was ours (normalize, diff, collapse, buffer),
 * and how long until the server confirmed the write.
 */
import { BraidClient } from '@braid-live/core';
import { diffJson } from '@braid-live/core/protocol';
import { produce } from 'immer';
import { toJsonValue } from '../../packages/core/src/client/jsonValue';
import { onParentMessage, sendToParent } from '../lib/child';

type Doc = { items: { done: boolean }[] };
const recipe = (done: boolean) => (d: Doc) => {
  for (const item of d.items) item.done = done;
};

onParentMessage(async (message: { type: 'run'; origin: string; path: string }) => {
  const client = new BraidClient({ baseUrl: message.origin, gracePeriodMs: 100 });
  try {
    const res = client.resource<Doc>(message.path);
    const stop = res.subscribe(() => {});
    await res.ready;
    const prev = res.getSnapshot()!;
    const done = !prev.items[0].done;
    // What set() does, step by step on the same value (the second run: warm, like the app's own set()):
    // immer's recipe, then ours (normalize to what JSON keeps, diff into one replacement).
    const steps = { immerMs: 0, normalizeMs: 0, diffMs: 0 };
    for (let run = 0; run < 2; run++) {
      let at = performance.now();
      const lap = (key: keyof typeof steps) => {
        const now = performance.now();
        steps[key] = now - at;
        at = now;
      };
      const produced = produce(prev, recipe(done));
      lap('immerMs');
      const next = toJsonValue(produced, prev);
      lap('normalizeMs');
      // (As set() does: past 1000 patches the diff stops and gives one replacement of the changed container.)
      diffJson(prev, next, { maxPatches: 1000 });
      lap('diffMs');
    }
    sendToParent({ type: 'start' });
    const started = performance.now();
    let answer: string;
    try {
      const written = res.set(recipe(done));
      const setMs = performance.now() - started;
      answer = await written.then(
        () => 'confirmed',
        (error: Error) => `refused: ${error.message.slice(0, 60)}`,
      );
      sendToParent({ type: 'done', answer, setMs, ...steps, confirmedMs: performance.now() - started });
    } catch (error) {
      sendToParent({ type: 'done', answer: `set() threw ${(error as Error).name}`, setMs: 0, ...steps });
    }
    stop();
  } finally {
    client.close();
  }
});
sendToParent({ type: 'ready' });
