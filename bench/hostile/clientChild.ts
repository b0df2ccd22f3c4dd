/**
 * The client row of `pnpm bench hostile`, in a process of its own: an app's `set()` with a recipe touching
 * 200,000 items blocks the app's own event loop, which must not count as the server's (the honest subscriber
 * lives in the bench process). Reports how long `set()` took, what of it was immer's (the same recipe run by
 * `produce` alone on the same value, just before) and so what was ours (normalize, diff, collapse, buffer),
 * and how long until the server confirmed the write.
 */
import { BraidClient, type Resource } from '@braid-live/core';
import { diffJson } from '@braid-live/core/protocol';
import { produce } from 'immer';
import { toJsonValue } from '../../packages/core/src/client/jsonValue';
import { onParentMessage, sendToParent } from '../lib/child';

type Doc = { items: { done: boolean }[] };
type Steps = { immerMs: number; normalizeMs: number; diffMs: number };
const recipe = (done: boolean) => (d: Doc) => {
  for (const item of d.items) item.done = done;
};

// Two messages: 'prepare' loads the document and times the steps (outside the measured window: that CPU is
// the bench's, not the server's load), 'run' is the measured set() until the server confirms it.
let prepared:
  | { client: BraidClient; res: Resource<Doc>; stop: () => void; done: boolean; steps: Steps }
  | undefined;

onParentMessage(async (message: { type: 'prepare'; origin: string; path: string } | { type: 'run' }) => {
  if (message.type === 'prepare') {
    const client = new BraidClient({ baseUrl: message.origin, gracePeriodMs: 100 });
    const res = client.resource<Doc>(message.path);
    const stop = res.subscribe(() => {});
    await res.ready;
    const prev = res.getSnapshot()!;
    const done = !prev.items[0].done;
    // What set() does, step by step on the same value (the second run: warm, like the app's own set()):
    // immer's recipe, then ours (normalize to what JSON keeps, diff into one replacement).
    const steps: Steps = { immerMs: 0, normalizeMs: 0, diffMs: 0 };
    for (let run = 0; run < 2; run++) {
      let at = performance.now();
      const lap = (key: keyof Steps) => {
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
    prepared = { client, res, stop, done, steps };
    sendToParent({ type: 'prepared' });
    return;
  }
  const { client, res, stop, done, steps } = prepared!;
  try {
    const started = performance.now();
    try {
      const written = res.set(recipe(done));
      const setMs = performance.now() - started;
      const answer = await written.then(
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
