import { codePointLength, codePointToIndex } from '../protocol/codePoints';
import { myersChanges } from '../protocol/myers';
import type { JsonPatch } from '../protocol/types';

/**
 * One edit of a text: code points [start, end) replaced by `content` (`start === end` inserts, empty content
 * deletes). Offsets count Unicode code points, as `Content-Range: text [a:b]` does.
 *
 * A list of splices is a *parallel set* (as on the wire): every splice is positioned against the same original
 * text, sorted by start, and no two overlap.
 */
export interface TextSplice {
  start: number;
  end: number;
  content: string;
}

/** Code points a set of splices deletes plus inserts: the number of simpleton events it makes. */
export function spliceEventCount(splices: readonly TextSplice[]): number {
  let n = 0;
  for (const s of splices) n += s.end - s.start + codePointLength(s.content);
  return n;
}

/**
 * Applies a parallel set (sorted, non-overlapping, in range) to `text`. One pass over the text: the pieces
 * between splices are copied once.
 */
export function applySplices(text: string, splices: readonly TextSplice[]): string {
  if (splices.length === 0) return text;
  let out = '';
  let cp = 0; // code point position in `text` of index `at`
  let at = 0;
  for (const s of splices) {
    const startIndex = advance(text, at, s.start - cp);
    const endIndex = advance(text, startIndex, s.end - s.start);
    out += text.slice(at, startIndex) + s.content;
    at = endIndex;
    cp = s.end;
  }
  return out + text.slice(at);
}

/** UTF-16 index `count` code points after `from` (clamped to the end). */
function advance(text: string, from: number, count: number): number {
  let i = from;
  for (let n = 0; n < count && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += isHigh(c) && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;

/**
 * Why a parallel set cannot apply to a text of `length` code points, or undefined when it can. Splices must be
 * sorted by start, must not overlap, and must lie within the text.
 */
export function checkSplices(splices: readonly TextSplice[], length: number): string | undefined {
  let last = 0;
  for (const s of splices) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end < s.start)
      return `bad range [${s.start}:${s.end}]`;
    if (s.end > length) return `range [${s.start}:${s.end}] ends past the text (${length} code points)`;
    if (s.start < last) return `range [${s.start}:${s.end}] overlaps the one before it`;
    last = s.end;
  }
  return undefined;
}

/** Sorts a parallel set by start (stable), as the wire allows any order. */
export function sortSplices(splices: readonly TextSplice[]): TextSplice[] {
  return [...splices].sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * A parallel set as json-range patches on a string applied in sequence (what the protocol's transform works
 * on): applied right to left, every splice keeps its original coordinates.
 */
export function splicesToPatches(splices: readonly TextSplice[]): JsonPatch[] {
  const out: JsonPatch[] = [];
  for (let i = splices.length - 1; i >= 0; i--) {
    const s = splices[i];
    out.push({ range: `[${s.start}:${s.end}]`, content: s.content });
  }
  return out;
}

/**
 * The inverse of splicesToPatches for a right-to-left list (a transform keeps that order: it moves positions
 * monotonically). Splices that became no-ops are dropped. Returns undefined when the list is not right to
 * left and non-overlapping, so the caller can fall back to a diff.
 */
export function patchesToSplices(patches: readonly JsonPatch[]): TextSplice[] | undefined {
  const out: TextSplice[] = [];
  let bound = Number.POSITIVE_INFINITY;
  for (const patch of patches) {
    const m = SLICE.exec(patch.range);
    if (!m) return undefined;
    const start = Number(m[1]);
    const end = Number(m[2]);
    const content = typeof patch.content === 'string' ? patch.content : '';
    if (patch.content !== undefined && typeof patch.content !== 'string') return undefined;
    if (end > bound) return undefined;
    bound = start;
    if (start === end && content === '') continue;
    out.push({ start, end, content });
  }
  return out.reverse();
}

const SLICE = /^\[(\d+):(\d+)\]$/;

/**
 * The splices that turn `a` into `b`: common prefix and suffix trimmed, then a code-point Myers diff of the
 * middle (so edits far apart stay apart); past `maxD` edits, one replacement of the middle.
 */
export function diffText(a: string, b: string, maxD = 500): TextSplice[] {
  if (a === b) return [];
  let p = 0;
  const minLength = Math.min(a.length, b.length);
  while (p < minLength && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  if (p > 0 && isHigh(a.charCodeAt(p - 1))) p--; // do not split a surrogate pair
  let s = 0;
  while (s < minLength - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  if (s > 0 && isLow(a.charCodeAt(a.length - s))) s--;
  const offset = codePointLength(a.slice(0, p));
  const aMid = Array.from(a.slice(p, a.length - s));
  const bMid = Array.from(b.slice(p, b.length - s));
  const changes =
    aMid.length * bMid.length > 0 ? myersChanges(aMid, bMid, (x, y) => x === y, maxD) : undefined;
  if (!changes) {
    return [{ start: offset, end: offset + aMid.length, content: bMid.join('') }];
  }
  return changes.map((c) => ({
    start: offset + c.aStart,
    end: offset + c.aEnd,
    content: bMid.slice(c.bStart, c.bEnd).join(''),
  }));
}

/** The UTF-16 range of code points [start, end) of `text` (end clamped). */
export function toIndexRange(text: string, start: number, end: number): [number, number] {
  const from = codePointToIndex(text, start);
  const a = from < 0 ? text.length : from;
  return [a, advance(text, a, end - start)];
}

type Piece = { keep: true; from: number; to: number } | { keep: false; chars: string[] };

const pieceLength = (p: Piece) => (p.keep ? p.to - p.from : p.chars.length);

/** `piece` cut at code point `at` of it: [before, after]. */
function cut(piece: Piece, at: number): [Piece, Piece] {
  if (piece.keep)
    return [
      { keep: true, from: piece.from, to: piece.from + at },
      { keep: true, from: piece.from + at, to: piece.to },
    ];
  return [
    { keep: false, chars: piece.chars.slice(0, at) },
    { keep: false, chars: piece.chars.slice(at) },
  ];
}

/**
 * `first` then `second` (each a parallel set; `second` positioned against the text `first` made) as one
 * parallel set against the text before `first`. Works on the splices alone, never on the text: the cost follows
 * the size of the edits, not of the document.
 */
export function composeSplices(first: readonly TextSplice[], second: readonly TextSplice[]): TextSplice[] {
  if (second.length === 0) return [...first];
  if (first.length === 0) return [...second];
  // The text after `first`, as pieces: ranges kept from the original and inserted code points.
  let middle: Piece[] = [];
  let at = 0;
  for (const s of first) {
    if (s.start > at) middle.push({ keep: true, from: at, to: s.start });
    if (s.content) middle.push({ keep: false, chars: Array.from(s.content) });
    at = s.end;
  }
  middle.push({ keep: true, from: at, to: Number.POSITIVE_INFINITY }); // the rest, whatever its length
  // `second` applied to the pieces.
  const out: Piece[] = [];
  let position = 0; // in the middle text, at the start of middle[0]
  for (const s of second) {
    // Copy what lies before s.start, drop what lies in [s.start, s.end), then insert s.content.
    while (middle.length && position + pieceLength(middle[0]) <= s.start) {
      position += pieceLength(middle[0]);
      out.push(middle.shift()!);
    }
    if (middle.length && position < s.start) {
      const [before, after] = cut(middle[0], s.start - position);
      out.push(before);
      middle[0] = after;
      position = s.start;
    }
    while (middle.length && position + pieceLength(middle[0]) <= s.end && s.end > position) {
      position += pieceLength(middle[0]);
      middle.shift();
    }
    if (middle.length && position < s.end) {
      middle[0] = cut(middle[0], s.end - position)[1];
      position = s.end;
    }
    if (s.content) out.push({ keep: false, chars: Array.from(s.content) });
  }
  out.push(...middle);
  middle = [];
  // Back to splices against the original: the gaps between kept ranges, with what was inserted in them.
  const result: TextSplice[] = [];
  let kept = 0;
  let inserted = '';
  for (const piece of out) {
    if (!piece.keep) {
      inserted += piece.chars.join('');
      continue;
    }
    if (piece.to === piece.from) continue;
    if (piece.from !== kept || inserted) result.push({ start: kept, end: piece.from, content: inserted });
    kept = piece.to;
    inserted = '';
  }
  if (inserted) result.push({ start: kept, end: kept, content: inserted }); // (only when the rest was empty)
  return result;
}
