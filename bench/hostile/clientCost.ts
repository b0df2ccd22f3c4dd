import { collapsePatches, diffJson, parseJsonContent } from '@braid-live/core/protocol';
import { produce } from 'immer';
import { encodeWrite } from '../../packages/core/src/client/encodeWrite';
import { toJsonValue } from '../../packages/core/src/client/jsonValue';
import { items } from './workload';

const t = <T>(name: string, f: () => T): T => {
  const s = performance.now();
  const r = f();
  console.log(name.padEnd(28), (performance.now() - s).toFixed(1), 'ms');
  return r;
};
for (let round = 0; round < 2; round++) {
  const prev = toJsonValue({ items: items(200_000) }) as { items: { done: boolean }[] };
  const produced = t('immer produce (recipe)', () =>
    produce(prev, (d) => {
      for (const item of d.items) item.done = true;
    }),
  );
  const next = t('toJsonValue (normalize)', () => toJsonValue(produced, prev));
  const patches = t('diffJson (all patches)', () => diffJson(prev, next));
  t('collapsePatches (of them)', () => collapsePatches(patches, next));
  const collapsed = t('diffJson (maxPatches 1000)', () => diffJson(prev, next, { maxPatches: 1000 }));
  const req = t('encodeWrite', () => encodeWrite('v1', ['v0'], collapsed));
  const body = new TextEncoder().encode(JSON.stringify(next));
  t('parseJsonContent (echo)', () => parseJsonContent(body, 512));
  console.log(`  ${patches.length} patches → ${collapsed.length}, body ${req.body.length} bytes`);
}
