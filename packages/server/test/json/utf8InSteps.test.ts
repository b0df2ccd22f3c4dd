import { describe, expect, it } from 'vitest';
import { utf8InSteps } from '../../src/json/utf8InSteps';

/** Drives the steps, counting the places it offered to pause. */
function run(pieces: string[], head: (bodyLength: number) => string, tail: string) {
  const steps = utf8InSteps(pieces, head, tail);
  let pauses = 0;
  for (let next = steps.next(); ; next = steps.next()) {
    if (next.done) return { ...next.value, pauses };
    pauses++;
  }
}

describe('utf8InSteps', () => {
  it('writes the pieces as one UTF-8 text between head and tail, a long piece in slices', () => {
    const slice = 1024 * 1024;
    // A surrogate pair straddles the first slice edge; two- and three-byte characters around it.
    const long = `${'a'.repeat(slice - 1)}😀é€${'b'.repeat(slice)}`;
    const pieces = ['{"s":"', long, '"}', 'ü'];
    const { bytes, body, pauses } = run(pieces, (length) => `Length: ${length}\r\n`, '\r\n\r\n');
    const text = pieces.join('');
    const length = Buffer.byteLength(text);
    expect(bytes.toString('utf8')).toBe(`Length: ${length}\r\n${text}\r\n\r\n`);
    expect(body.toString('utf8')).toBe(text);
    expect(body.buffer).toBe(bytes.buffer); // the body is a view, not a copy
    // Once counting the long piece's bytes, twice between its three slices.
    expect(pauses).toBe(3);
  });

  it('gives the loop back within a run of small pieces too, without splitting a pair', () => {
    // 64 pieces of 64 Ki chars (4 Mi chars), each ending in a pair where a slice may end.
    const pieces = Array.from({ length: 64 }, (_, i) => `${String(i % 10).repeat(64 * 1024 - 2)}😀`);
    const { body, pauses } = run(pieces, () => '', '');
    expect(body.toString('utf8')).toBe(pieces.join(''));
    expect(pauses).toBeGreaterThanOrEqual(6);
  });
});
