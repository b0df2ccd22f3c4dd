// String offsets in json ranges count Unicode code points (as braid-text does), not UTF-16 units.

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Number of code points in `s` (a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  if (s.length > 64 && !hasSurrogates(s)) return s.length; // one native scan instead of a loop in JS
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** UTF-16 offset of code point `cp` in `s`, or -1 when `cp` is past the end. */
export function codePointToIndex(s: string, cp: number): number {
  let i = 0;
  let n = 0;
  while (n < cp) {
    if (i >= s.length) return -1;
    i += isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
    n++;
  }
  return i;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether `s` holds any surrogate: without, code-point offsets are UTF-16 offsets (one native scan). */
export function hasSurrogates(s: string): boolean {
  return SURROGATE.test(s);
}
