import { diffJson } from '@braid-live/core/protocol';
import { describe, expect, test } from 'vitest';
import { shareUnchanged } from '../src/lib/shareUnchanged';

const item = (id: string, resolved = false) => ({ id, title: `incident ${id}`, resolved });

describe('shareUnchanged: restoring an old version diffs as the real change', () => {
  test('equal values come back as the current object', () => {
    const current = { items: [item('a')] };
    expect(shareUnchanged(current, structuredClone(current))).toBe(current);
  });

  test('a re-ordered list is a move, not every element rewritten', () => {
    const current = { items: [item('c'), item('a'), item('b')] };
    const old = structuredClone({ items: [item('a'), item('b'), item('c')] });
    const patches = diffJson(current, shareUnchanged(current, old));
    expect(patches.every((p) => !p.range.includes('.id'))).toBe(true);
    expect(patches.length).toBeLessThanOrEqual(2);
  });

  test('a record changed in one field keeps its identity for the rest', () => {
    const current = { items: [item('a', true), item('b')] };
    const old = structuredClone({ items: [item('a', false), item('b')] });
    const restored = shareUnchanged(current, old);
    expect(restored.items[1]).toBe(current.items[1]);
    expect(diffJson(current, restored)).toEqual([{ range: '.items[0].resolved', content: false }]);
  });
});
