import { applyJsonPatches, type JsonPatch } from '@braid-live/core/protocol';

// Random writes for race tests: object keys, array inserts/deletes/appends and string splices (code points,
// incl. astral ones), each valid on the state it claims as its base.

export interface RaceDoc {
  keys: Record<string, number>;
  list: number[];
  text: string;
}

export const RACE_INITIAL: RaceDoc = {
  keys: { a: 0, b: 0, c: 0, d: 0, e: 0 },
  list: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  text: 'héllo ☃ wörld 😀!',
};

const TEXT_PIECES = ['x', 'é', '☃', '😀', 'ab', ' '];

/** 1 to 3 patches, each valid on the state the previous ones produce (starting from `base`). */
export function randomWrite(base: RaceDoc, rnd: () => number, writer: number): JsonPatch[] {
  const patches: JsonPatch[] = [];
  let doc = base;
  const count = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < count; i++) {
    const pick = Math.floor(rnd() * 100);
    const int = (n: number) => Math.floor(rnd() * n);
    let patch: JsonPatch;
    if (pick < 20) {
      const key = 'abcde'[int(5)];
      patch = { range: `.keys.${key}`, content: writer * 1000 + int(1000) };
    } else if (pick < 40) {
      const at = int(doc.list.length + 1);
      patch = { range: `.list[${at}:${at}]`, content: [writer * 100 + int(100)] };
    } else if (pick < 50) {
      patch = { range: '.list[-0:-0]', content: [writer * 100 + int(100)] }; // append, resolved by the server
    } else if (pick < 65 && doc.list.length > 0) {
      const at = int(doc.list.length);
      const end = Math.min(doc.list.length, at + 1 + int(2));
      patch = { range: `.list[${at}:${end}]` };
    } else if (pick < 85) {
      const length = Array.from(doc.text).length;
      const at = int(length + 1);
      patch = { range: `.text[${at}:${at}]`, content: TEXT_PIECES[int(TEXT_PIECES.length)] };
    } else {
      const length = Array.from(doc.text).length;
      if (length === 0) continue;
      const at = int(length);
      const end = Math.min(length, at + 1 + int(3));
      patch = {
        range: `.text[${at}:${end}]`,
        content: rnd() < 0.5 ? '' : TEXT_PIECES[int(TEXT_PIECES.length)],
      };
      if (patch.content === '') patch = { range: patch.range };
    }
    doc = applyJsonPatches(doc, [patch]);
    patches.push(patch);
  }
  return patches;
}

export function patchesBody(patches: JsonPatch[]): Buffer {
  const parts: Buffer[] = [];
  patches.forEach((p, i) => {
    const content = Buffer.from(p.content === undefined ? '' : JSON.stringify(p.content), 'utf8');
    if (i > 0) parts.push(Buffer.from('\r\n\r\n'));
    parts.push(
      Buffer.from(`Content-Length: ${content.length}\r\nContent-Range: json ${p.range}\r\n\r\n`),
      content,
    );
  });
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
