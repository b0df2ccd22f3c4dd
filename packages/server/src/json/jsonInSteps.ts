import { jsonSizeOf, measuredJsonSize } from '../resource/documentSize';

/**
 * JSON.stringify(value), exactly (the digest of a write hashes it), made in steps: a generator that yields
 * between pieces of about STEP_BYTES so the caller can give the event loop back. JSON.stringify of 2.8 MB of
 * small objects holds the loop 15–25 ms in one piece; a compaction writes several such versions.
 *
 * Only big plain arrays and objects are split, member by member (a run of small array items is one native
 * call on a slice); everything else is one JSON.stringify. Which containers are big is known from
 * documentSize's measures (a container without one visited fewer than 32 values when measured).
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
  if (!isSplittable(value) || jsonSizeOf(value) <= STEP_BYTES) {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : [json];
  }
  const pieces = new JsonPieces();
  yield* containerJson(value, pieces);
  return pieces.done();
}

/** JSON text in pieces: small ones joined as they come, a big one kept as its own piece. */
export class JsonPieces {
  private readonly pieces: string[] = [];
  constructor(private text = '') {}

  add(json: string): void {
    if (json.length < BIG_PIECE_CHARS) {
      this.text += json;
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
/** Small array items joined into one JSON.stringify of a slice (each has fewer than 32 values). */
const ITEMS_PER_SLICE = 1024;

function* containerJson(container: object, pieces: JsonPieces): Generator<undefined, void> {
  let pending = 0;
  let first = true;
  const separate = () => {
    if (!first) pieces.add(',');
    first = false;
  };
  if (Array.isArray(container)) {
    pieces.add('[');
    // Items without a measure are small: runs of them go to JSON.stringify as one slice.
    let runStart = 0;
    for (let i = 0; i <= container.length; i++) {
      const item: unknown = container[i];
      const size =
        i < container.length && typeof item === 'object' && item !== null
          ? measuredJsonSize(item)
          : undefined;
      if (i > runStart && (i === container.length || size !== undefined || i - runStart >= ITEMS_PER_SLICE)) {
        const json = JSON.stringify(container.slice(runStart, i));
        separate();
        pieces.add(json.slice(1, -1));
        pending += json.length;
        runStart = i;
      }
      if (size !== undefined) {
        separate();
        // (An item JSON cannot carry is written null, as JSON.stringify writes it.)
        if (size > STEP_BYTES && isSplittable(item)) yield* containerJson(item, pieces);
        else pieces.add(JSON.stringify(item) ?? 'null');
        pending += size;
        runStart = i + 1;
      }
      if (pending >= STEP_BYTES) {
        pending = 0;
        yield;
      }
    }
    pieces.add(']');
    return;
  }
  // Members without a measure are small: runs of them go to JSON.stringify as one object (a null-prototype one,
  // so that a `__proto__` key is a member; Object.keys lists integer-like keys first, so a run keeps the order).
  pieces.add('{');
  const record = container as Record<string, unknown>;
  let run: Record<string, unknown> = Object.create(null);
  let runLength = 0;
  const flush = () => {
    const json = JSON.stringify(run);
    if (json.length > 2) {
      separate();
      pieces.add(json.slice(1, -1));
    }
    pending += json.length;
    run = Object.create(null);
    runLength = 0;
  };
  for (const key of Object.keys(record)) {
    const item = record[key];
    const size = typeof item === 'object' && item !== null ? measuredJsonSize(item) : undefined;
    if (size === undefined) {
      run[key] = item;
      if (++runLength >= ITEMS_PER_SLICE) flush();
    } else {
      if (runLength > 0) flush();
      if (size > STEP_BYTES && isSplittable(item)) {
        separate();
        pieces.add(`${JSON.stringify(key)}:`);
        yield* containerJson(item, pieces);
      } else {
        const json = JSON.stringify(item);
        if (json !== undefined) {
          // (left out, as JSON.stringify does)
          separate();
          pieces.add(`${JSON.stringify(key)}:`);
          pieces.add(json);
        }
      }
      pending += size;
    }
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
