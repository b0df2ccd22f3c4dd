import { type Draft, enablePatches, produceWithPatches } from 'immer';
import { describe, expect, it } from 'vitest';
import { int, pick, type Rng, randomDoc, randomString, randomValue, rng } from '../../test/random';
import { applyJsonPatches } from './applyJsonPatch';
import { immerPatchesToBraid } from './immerPatches';

enablePatches();

type Node = Record<string, unknown> | unknown[];

/** A random immer recipe: walks the draft and mutates it with object and array operations. */
function randomRecipe(r: Rng): (draft: Draft<Record<string, unknown>>) => void {
  const steps = Array.from({ length: 1 + int(r, 4) }, () => r());
  return (draft) => {
    for (const roll of steps) {
      const local = rng(Math.floor(roll * 1e9));
      let node: Node = draft as Node;
      for (let depth = 0; depth < 3 && local() < 0.5; depth++) {
        const children = (Array.isArray(node) ? node : Object.values(node)).filter(
          (c) => c && typeof c === 'object',
        );
        if (!children.length) break;
        node = pick(local, children) as Node;
      }
      mutate(local, node);
    }
  };
}

function mutate(r: Rng, node: Node): void {
  if (Array.isArray(node)) {
    const op = int(r, 8);
    if (op === 0) node.push(randomValue(r, 1));
    else if (op === 1) node.pop();
    else if (op === 2) node.unshift(randomValue(r, 1));
    else if (op === 3) node.shift();
    else if (op === 4)
      node.splice(
        int(r, node.length + 1),
        int(r, 3),
        ...Array.from({ length: int(r, 3) }, () => randomValue(r, 1)),
      );
    else if (op === 5 && node.length) node[int(r, node.length)] = randomValue(r, 1);
    else if (op === 6) node.reverse();
    else node.length = int(r, node.length + 1);
    return;
  }
  const keys = Object.keys(node);
  const op = int(r, 4);
  if (op === 0 && keys.length) delete node[pick(r, keys)];
  else if (op === 1 && keys.length) {
    const k = pick(r, keys);
    node[k] =
      typeof node[k] === 'string' && r() < 0.7
        ? (node[k] as string).slice(1) + randomString(r, 2)
        : randomValue(r, 2);
  } else node[pick(r, ['a', 'b', 'new', 'zz'])] = randomValue(r, 2);
}

describe('immerPatchesToBraid', () => {
  it('maps immer patches so that applying them to the original gives immer’s result (2,000 random recipes)', () => {
    const r = rng(7);
    for (let i = 0; i < 2_000; i++) {
      const base = randomDoc(r);
      const [next, patches] = produceWithPatches(base, randomRecipe(r));
      // Without the base: a literal mapping.
      expect(applyJsonPatches(base, immerPatchesToBraid(patches))).toEqual(next);
      // With the base: strings become splices of the changed span.
      expect(applyJsonPatches(base, immerPatchesToBraid(patches, base))).toEqual(next);
    }
  });

  it('maps each immer op as documented', () => {
    expect(
      immerPatchesToBraid([
        { op: 'replace', path: ['a', 'b'], value: 1 },
        { op: 'add', path: ['list', 2], value: 'x' },
        { op: 'remove', path: ['list', 0] },
        { op: 'remove', path: ['a', 'c'] },
        { op: 'add', path: ['my key'], value: true },
      ]),
    ).toEqual([
      { range: '.a.b', content: 1 },
      { range: '.list[2:2]', content: ['x'] },
      { range: '.list[0:1]' },
      { range: '.a.c' },
      { range: '["my key"]', content: true },
    ]);
  });

  it('turns a length change into a slice delete and a replaced string into a splice (with base)', () => {
    const base = { list: [1, 2, 3, 4], s: 'hello world' };
    expect(
      immerPatchesToBraid(
        [
          { op: 'replace', path: ['list', 'length'], value: 1 },
          { op: 'replace', path: ['s'], value: 'hello brave world' },
        ],
        base,
      ),
    ).toEqual([{ range: '.list[1:4]' }, { range: '.s[6:6]', content: 'brave ' }]);
  });
});
