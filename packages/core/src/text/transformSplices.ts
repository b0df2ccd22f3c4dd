import { codePointLength } from '../protocol/codePoints';
import type { TextSplice } from './splices';

/**
 * `a` (a parallel set against a text T) rewritten to apply after `b` (another parallel set against T, applied
 * first), with text semantics: a deletion removes only the characters it saw, so what either side inserted
 * survives the other's deletions (an insertion inside a range the other deleted lands where that range was;
 * a deletion around the other's insertion is split around it). Where both insert at the same point, the
 * content of the set ordered first comes first (`bFirst`: b's). Both ways agree:
 * `b` then `transformSplices(a, b, true)` makes the same text as `a` then `transformSplices(b, a, false)`.
 *
 * (The protocol's json-range transform drops an insertion inside a concurrent deletion and widens a deletion
 * over a concurrent insertion — right for JSON values, a silent loss of typed characters for text.)
 */
export function transformSplices(
  a: readonly TextSplice[],
  b: readonly TextSplice[],
  bFirst: boolean,
): TextSplice[] {
  const theirs = coalesce(b);
  if (theirs.length === 0) return coalesce(a);
  const map = new SpliceMap(theirs);
  const out: TextSplice[] = [];
  for (const s of coalesce(a)) {
    if (s.content !== '') {
      const position = map.gap(s.start, bFirst);
      out.push({ start: position, end: position, content: s.content });
    }
    for (const [start, end] of map.kept(s.start, s.end)) out.push({ start, end, content: '' });
  }
  return coalesce(out);
}

/** Where positions of T land in the text `b` makes (b normalized: sorted, no two touching). */
class SpliceMap {
  /** Per splice: where its content starts in the new text, and the shift of the text after its end. */
  private readonly contentAt: number[] = [];
  private readonly contentLength: number[] = [];
  private readonly shiftAfter: number[] = [];

  constructor(private readonly b: readonly TextSplice[]) {
    let shift = 0;
    for (const s of b) {
      const n = codePointLength(s.content);
      this.contentAt.push(s.start + shift);
      this.contentLength.push(n);
      shift += n - (s.end - s.start);
      this.shiftAfter.push(shift);
    }
  }

  /**
   * The new position of the gap before character `p` of T, for an insertion there: at the start of b's
   * content there (a tie: before or after it by `bFirst`), inside or at the end of a range b replaced: after
   * b's content.
   */
  gap(p: number, bFirst: boolean): number {
    const k = this.lastStartingAtOrBefore(p);
    if (k < 0) return p;
    const s = this.b[k];
    if (s.start === p) return bFirst ? this.contentAt[k] + this.contentLength[k] : this.contentAt[k];
    if (p <= s.end) return this.contentAt[k] + this.contentLength[k];
    return p + this.shiftAfter[k];
  }

  /** The characters of T in [from, to) that b kept, as ranges of the new text (b's content between them). */
  kept(from: number, to: number): [number, number][] {
    const out: [number, number][] = [];
    let k = this.lastStartingAtOrBefore(from);
    // The kept run [runStart, runEnd) of T and its shift: before b[0], or between b[k] and b[k + 1].
    for (; ; k++) {
      const runStart = k < 0 ? 0 : this.b[k].end;
      const runEnd = k + 1 < this.b.length ? this.b[k + 1].start : Number.POSITIVE_INFINITY;
      const shift = k < 0 ? 0 : this.shiftAfter[k];
      const start = Math.max(from, runStart);
      const end = Math.min(to, runEnd);
      if (start < end) out.push([start + shift, end + shift]);
      if (runEnd >= to) return out;
    }
  }

  /** Index of the last splice with start <= p, or -1. */
  private lastStartingAtOrBefore(p: number): number {
    let lo = 0;
    let hi = this.b.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.b[mid].start <= p) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/** A parallel set with touching splices merged (their contents joined) and no-ops dropped: the same edit. */
function coalesce(splices: readonly TextSplice[]): TextSplice[] {
  const out: TextSplice[] = [];
  for (const s of splices) {
    if (s.start === s.end && s.content === '') continue;
    const last = out[out.length - 1];
    if (last && last.end === s.start)
      out[out.length - 1] = { ...last, end: s.end, content: last.content + s.content };
    else out.push({ start: s.start, end: s.end, content: s.content });
  }
  return out;
}
