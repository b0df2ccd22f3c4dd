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
  if (!isSplittable(value) || jsonSizeOf(value) <= STEP_BYTES) return JSON.stringify(value);
  return yield* containerJson(value);
}

const STEP_BYTES = 64 * 1024;
/** Small array items joined into one JSON.stringify of a slice (each has fewer than 32 values). */
const ITEMS_PER_SLICE = 1024;

function* containerJson(container: object): Generator<undefined, string> {
  const parts: string[] = [];
  let pending = 0;
  if (Array.isArray(container)) {
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
        parts.push(json.slice(1, -1));
        pending += json.length;
        runStart = i;
      }
      if (size !== undefined) {
        // (An item JSON cannot carry is written null, as JSON.stringify writes it.)
        const json =
          size > STEP_BYTES && isSplittable(item) ? yield* containerJson(item) : JSON.stringify(item);
        parts.push(json ?? 'null');
        pending += size;
        runStart = i + 1;
      }
      if (pending >= STEP_BYTES) {
        pending = 0;
        yield;
      }
    }
    return `[${parts.join(',')}]`;
  }
  // Members without a measure are small: runs of them go to JSON.stringify as one object (a null-prototype one,
  // so that a `__proto__` key is a member; Object.keys lists integer-like keys first, so a run keeps the order).
  const record = container as Record<string, unknown>;
  let run: Record<string, unknown> = Object.create(null);
  let runLength = 0;
  const flush = () => {
    const json = JSON.stringify(run);
    if (json.length > 2) parts.push(json.slice(1, -1));
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
      const json =
        size > STEP_BYTES && isSplittable(item) ? yield* containerJson(item) : JSON.stringify(item);
      if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`); // (left out, as JSON.stringify does)
      pending += size;
    }
    if (pending >= STEP_BYTES) {
      pending = 0;
      yield;
    }
  }
  if (runLength > 0) flush();
  return `{${parts.join(',')}}`;
}

/** A plain array or object without toJSON: JSON.stringify writes its members and nothing else. */
function isSplittable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
