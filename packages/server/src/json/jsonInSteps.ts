import { jsonSizeOf, measuredJsonSize } from '../resource/documentSize';
import { utf8InSteps } from './utf8InSteps';

/**
 * JSON.stringify(value), exactly (the digest of a write hashes it), made in steps: a generator that yields
 * between pieces of about STEP_BYTES so the caller can give the event loop back. JSON.stringify of 2.8 MB of
 * small objects holds the loop 15–25 ms in one piece; a compaction writes several such versions.
 *
 * Big plain arrays and objects are split, member by member (a run of small members is one native call), and
 * long strings slice by slice; everything else is one JSON.stringify. Which containers are big is known from
 * documentSize's measures (a container without one visited fewer than 32 values when measured: memberSize).
 */
export function* jsonInSteps(value: unknown): Generator<undefined, string | undefined> {
  const pieces = yield* jsonPiecesInSteps(value);
  return pieces && (pieces.length === 1 ? pieces[0] : pieces.join(''));
}

/**
 * jsonInSteps's text as pieces in order, not joined: a store frame writes them one by one (joining 8 MiB of
 * them was one more copy, 25–40 ms here). Small pieces are joined as they come; a big one stays as it is.
 */
export function* jsonPiecesInSteps(value: unknown): Generator<undefined, string[] | undefined> {
  if (typeof value === 'string' && value.length > STEP_BYTES) {
    const pieces = new JsonPieces();
    yield* stringJson(value, pieces);
    return pieces.done();
  }
  if (!isSplittable(value) || jsonSizeOf(value) <= STEP_BYTES) {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : [json];
  }
  const pieces = new JsonPieces();
  yield* containerJson(value, pieces);
  return pieces.done();
}

/** jsonInSteps's text as UTF-8 (a response body), written in steps without a joined copy of the text. */
export function* jsonBytesInSteps(value: unknown): Generator<undefined, Buffer | undefined> {
  const pieces = yield* jsonPiecesInSteps(value);
  if (pieces === undefined) return undefined;
  return (yield* utf8InSteps(pieces)).bytes;
}

/**
 * JSON text in pieces: small ones joined as they come into pieces of about BIG_PIECE_CHARS (not into one rope of
 * the whole text, which the first reader would flatten in one piece), a big one kept as its own piece.
 */
export class JsonPieces {
  private readonly pieces: string[] = [];
  constructor(private text = '') {}

  add(json: string): void {
    if (json.length < BIG_PIECE_CHARS) {
      this.text += json;
      if (this.text.length >= BIG_PIECE_CHARS) {
        this.pieces.push(this.text);
        this.text = '';
      }
      return;
    }
    if (this.text) this.pieces.push(this.text);
    this.pieces.push(json);
    this.text = '';
  }

  done(): string[] {
    if (this.text) this.pieces.push(this.text);
    this.text = '';
    return this.pieces;
  }
}

const BIG_PIECE_CHARS = 64 * 1024;
const STEP_BYTES = 64 * 1024;
/** Most small members joined into one JSON.stringify (a run also ends at STEP_BYTES). */
const ITEMS_PER_SLICE = 1024;
/** A long string's JSON is made a slice at a time: about 1 ms each here. */
const STRING_SLICE_CHARS = 256 * 1024;

/**
 * A member's JSON goes on its own when it is big (more than STEP_BYTES: a container in its members, a string
 * in slices); small ones are joined in runs for JSON.stringify. The size of an unmeasured container (fewer
 * than 32 values: documentSize) is measured here, walking those few values: one of them may be a long string.
 */
function memberSize(item: unknown): number {
  if (typeof item === 'object' && item !== null) return measuredJsonSize(item) ?? jsonSizeOf(item);
  return typeof item === 'string' ? item.length + 2 : 8;
}

function* memberJson(item: unknown, pieces: JsonPieces, inArray: boolean): Generator<undefined, void> {
  if (typeof item === 'string') yield* stringJson(item, pieces);
  else if (isSplittable(item)) yield* containerJson(item, pieces);
  // (A value JSON cannot carry: null in an array, as JSON.stringify writes it; an object member was left
  // out before this is called.)
  else pieces.add(JSON.stringify(item) ?? (inArray ? 'null' : ''));
}

/** JSON.stringify(text), a slice at a time (a surrogate pair is never split, so escapes are the same). */
function* stringJson(text: string, pieces: JsonPieces): Generator<undefined, void> {
  pieces.add('"');
  for (let from = 0; from < text.length; ) {
    let to = Math.min(text.length, from + STRING_SLICE_CHARS);
    if (to < text.length && (text.charCodeAt(to - 1) & 0xfc00) === 0xd800) to--;
    pieces.add(JSON.stringify(text.slice(from, to)).slice(1, -1));
    from = to;
    yield;
  }
  pieces.add('"');
}

function* containerJson(container: object, pieces: JsonPieces): Generator<undefined, void> {
  let pending = 0;
  let first = true;
  const separate = () => {
    if (!first) pieces.add(',');
    first = false;
  };
  if (Array.isArray(container)) {
    pieces.add('[');
    // Runs of small items go to JSON.stringify as one slice.
    let runStart = 0;
    let runBytes = 0;
    for (let i = 0; i <= container.length; i++) {
      const item: unknown = container[i];
      const size = i < container.length ? memberSize(item) : 0;
      const big = size > STEP_BYTES;
      if (
        i > runStart &&
        (i === container.length || big || i - runStart >= ITEMS_PER_SLICE || runBytes + size > STEP_BYTES)
      ) {
        const json = JSON.stringify(container.slice(runStart, i));
        separate();
        pieces.add(json.slice(1, -1));
        runStart = i;
        runBytes = 0;
      }
      if (i === container.length) break;
      if (big) {
        separate();
        yield* memberJson(item, pieces, true);
        runStart = i + 1;
      } else runBytes += size;
      pending += size;
      if (pending >= STEP_BYTES) {
        pending = 0;
        yield;
      }
    }
    pieces.add(']');
    return;
  }
  // Runs of small members go to JSON.stringify as one object (a null-prototype one, so that a `__proto__` key
  // is a member; Object.keys lists integer-like keys first, so a run keeps the order).
  pieces.add('{');
  const record = container as Record<string, unknown>;
  let run: Record<string, unknown> = Object.create(null);
  let runLength = 0;
  let runBytes = 0;
  const flush = () => {
    const json = JSON.stringify(run);
    if (json.length > 2) {
      separate();
      pieces.add(json.slice(1, -1));
    }
    run = Object.create(null);
    runLength = 0;
    runBytes = 0;
  };
  for (const key of Object.keys(record)) {
    const item = record[key];
    const size = memberSize(item);
    if (size <= STEP_BYTES) {
      if (runBytes + size > STEP_BYTES) flush();
      run[key] = item;
      runBytes += size;
      if (++runLength >= ITEMS_PER_SLICE) flush();
    } else {
      if (runLength > 0) flush();
      // (A member JSON cannot carry is left out, as JSON.stringify does.)
      if (typeof item === 'string' || isSplittable(item) || JSON.stringify(item) !== undefined) {
        separate();
        pieces.add(`${JSON.stringify(key)}:`);
        yield* memberJson(item, pieces, false);
      }
    }
    pending += size;
    if (pending >= STEP_BYTES) {
      pending = 0;
      yield;
    }
  }
  if (runLength > 0) flush();
  pieces.add('}');
}

/** A plain array or object without toJSON: JSON.stringify writes its members and nothing else. */
function isSplittable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
