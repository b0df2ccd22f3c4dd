import { codePointLength, codePointToIndex, hasSurrogates } from './codePoints';

/** Strings shorter than this are spliced as strings; longer ones get a TextBuffer for the rest of the write. */
export const TEXT_BUFFER_MIN_LENGTH = 4096;

/**
 * A long string being spliced during one write: chunks of about √n UTF-16 units, each knowing its code-point
 * count and whether it holds surrogates. A splice finds its chunks by a scan over the counts and rewrites only
 * them, so k splices on a string of n cost about k·√n + n (one split, one join), instead of k·n: no code-point
 * scan of the whole string per splice, and no copy of it per splice. A splice whose pieces are long (a big
 * insert) keeps them apart instead of joining them into one string to cut again: a copy of a few MiB costs
 * ~10 ms here (page faults of a fresh large string), and the one join at the end is the only whole copy.
 * Lives only inside one write.
 */
export class TextBuffer {
  private chunks: string[] = [];
  private counts: number[] = [];
  /** Chunk i has no surrogates: code-point offsets are UTF-16 offsets. */
  private plain: boolean[] = [];
  private readonly chunkUnits: number;
  /** Length in code points. */
  length = 0;

  constructor(text: string) {
    this.chunkUnits = Math.max(1024, Math.ceil(Math.sqrt(text.length)));
    this.insertPieces(text, 0);
    for (const count of this.counts) this.length += count;
  }

  /** Replaces code points [start, end) by `content` (`n` code points); the indices are already checked. */
  splice(start: number, end: number, content: string, n: number): void {
    const [first, startOffset] = this.locate(start, 0);
    const [last, endOffset] = end === start ? [first, startOffset] : this.locate(end, first);
    if (first === this.chunks.length) {
      this.insertPieces(content, first); // appending to an empty buffer
    } else {
      const left = this.chunks[first].slice(0, this.unitOffset(first, startOffset));
      const right = this.chunks[last].slice(this.unitOffset(last, endOffset));
      const removed = last - first + 1;
      this.chunks.splice(first, removed);
      this.counts.splice(first, removed);
      this.plain.splice(first, removed);
      const small = left.length + content.length + right.length <= 2 * this.chunkUnits;
      // Small: one chunk again, so chunks stay few. So too when lone surrogates meet and make a pair: the
      // pieces are counted as the one string they become.
      if (small || pairs(left, content || right) || pairs(content, right)) {
        this.insertPieces(left + content + right, first);
      } else {
        this.insertPieces(right, first);
        this.insertPieces(content, first);
        this.insertPieces(left, first);
      }
    }
    this.length += n - (end - start);
  }

  toString(): string {
    return this.chunks.join('');
  }

  /** The chunk holding code point `cp` (searching from chunk `from`), and the offset in it. */
  private locate(cp: number, from: number): [number, number] {
    let before = 0;
    for (let i = 0; i < from; i++) before += this.counts[i];
    for (let i = from; i < this.chunks.length; i++) {
      if (cp <= before + this.counts[i]) return [i, cp - before];
      before += this.counts[i];
    }
    return [this.chunks.length, 0]; // only for an empty buffer: cp is checked against the length
  }

  private unitOffset(chunk: number, cp: number): number {
    if (this.plain[chunk]) return cp;
    const text = this.chunks[chunk];
    const i = codePointToIndex(text, cp);
    return i < 0 ? text.length : i;
  }

  /** Inserts `text` at chunk index `at`, cut into chunks (never between the halves of a surrogate pair). */
  private insertPieces(text: string, at: number): void {
    const chunks: string[] = [];
    const counts: number[] = [];
    const plain: boolean[] = [];
    const anySurrogates = hasSurrogates(text); // one native scan of the text, not one per chunk
    for (let i = 0; i < text.length; ) {
      // A piece up to twice the chunk size stays whole: a splice does not split a chunk every time.
      let j = text.length - i <= 2 * this.chunkUnits ? text.length : i + this.chunkUnits;
      const c = text.charCodeAt(j - 1);
      if (j < text.length && c >= 0xd800 && c <= 0xdbff) j++; // keep a surrogate pair together
      const chunk = text.slice(i, j);
      const surrogates = anySurrogates && hasSurrogates(chunk);
      chunks.push(chunk);
      plain.push(!surrogates);
      counts.push(surrogates ? codePointLength(chunk) : chunk.length);
      i = j;
    }
    insertAll(this.chunks, at, chunks);
    insertAll(this.counts, at, counts);
    insertAll(this.plain, at, plain);
  }
}

/** Whether `a` ends with a high surrogate and `b` starts with a low one: joined, they make one code point. */
function pairs(a: string, b: string): boolean {
  const high = a.charCodeAt(a.length - 1);
  const low = b.charCodeAt(0);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/** `items` inserted into `list` at `at`, without spreading a long list into arguments. */
function insertAll<T>(list: T[], at: number, items: T[]): void {
  if (items.length <= 1024) {
    list.splice(at, 0, ...items);
    return;
  }
  const tail = list.splice(at);
  for (const item of items) list.push(item);
  for (const item of tail) list.push(item);
}
