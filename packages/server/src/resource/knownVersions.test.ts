import { createHash } from 'node:crypto';
import type { JsonPatch } from '@braid-live/core/protocol';
import { describe, expect, it } from 'vitest';
import { forgetContentJson, rememberContentJson, rememberContentJsonText } from '../json/contentJson';
import { LoopTurn } from '../loopTurn';
import { writeDigest, writeDigestInSteps } from './knownVersions';

/** The digest as DESIGN.md defines it (and as stored in logs): the JSON of the whole shape, hashed. */
function definedDigest(parents: string[] | undefined, patches: JsonPatch[]): string {
  const shape = [
    parents ?? null,
    patches.map((p) => (p.content === undefined ? [p.range] : [p.range, p.content])),
  ];
  return createHash('sha256').update(JSON.stringify(shape)).digest('base64url').slice(0, 22);
}

describe('writeDigest', () => {
  const cases: [string[] | undefined, JsonPatch[]][] = [
    [undefined, []],
    [[], [{ range: '', content: { a: [1, 'é', null] } }]],
    [
      ['p-1', 'p "2"'],
      [{ range: '.a' }, { range: '.s[0:3]', content: 'x\n"y"😀' }, { range: '["k é"]', content: 0 }],
    ],
  ];

  it('is the defined digest, whether or not the contents’ JSON was made beforehand', async () => {
    for (const [parents, patches] of cases) {
      expect(writeDigest(parents, patches)).toBe(definedDigest(parents, patches));
      await rememberContentJson(patches, new LoopTurn());
      expect(writeDigest(parents, patches)).toBe(definedDigest(parents, patches));
      forgetContentJson(patches);
    }
  });

  it('hashes a canonical string body as sent (the parse remembers its text): the same digest', () => {
    const patch: JsonPatch = { range: '.s', content: 'plain text, no escapes' };
    rememberContentJsonText(patch, JSON.stringify(patch.content));
    expect(writeDigest(['p'], [patch])).toBe(definedDigest(['p'], [patch]));
    forgetContentJson([patch]);
  });

  it('hashes a long content in slices, never between the halves of a surrogate pair: the same digest', () => {
    // 😀 is two UTF-16 units; at every offset some slice boundary falls inside one unless it is avoided.
    for (const offset of [0, 1]) {
      const patch: JsonPatch = { range: '.s', content: `${'a'.repeat(offset)}${'😀'.repeat(1_600_000)}` };
      const steps = writeDigestInSteps(['p'], [patch]);
      let pauses = 0;
      let next = steps.next();
      for (; !next.done; next = steps.next()) pauses++;
      expect(pauses).toBeGreaterThan(2);
      expect(next.value).toBe(definedDigest(['p'], [patch]));
    }
  });
});
