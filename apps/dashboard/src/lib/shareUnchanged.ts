const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * `next` (e.g. an old version fetched as JSON) rebuilt so that every part equal to a part of `current` *is*
 * that part of `current`. The client diffs by identity first: without this, a restored list whose items were
 * re-ordered would be diffed element by element (item 0's id edited into item 2's id…), which is correct but
 * unreadable in the history and collides with concurrent edits to those items. With shared identities the diff
 * is the real change: moves, inserts, removals and the fields that differ.
 */
export function shareUnchanged<T>(current: unknown, next: T): T {
  if (deepEqual(current, next)) return current as T;
  if (Array.isArray(current) && Array.isArray(next)) {
    const pool = [...current];
    return next.map((item) => {
      const same = pool.findIndex((candidate) => deepEqual(candidate, item));
      if (same >= 0) return pool.splice(same, 1)[0];
      // The same record (by id) with some fields changed: share what did not change inside it.
      const id = isObject(item) ? item.id : undefined;
      const match =
        id === undefined ? undefined : pool.find((candidate) => isObject(candidate) && candidate.id === id);
      return match === undefined ? item : shareUnchanged(match, item);
    }) as T;
  }
  if (isObject(current) && isObject(next)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(next))
      out[key] = Object.hasOwn(current, key) ? shareUnchanged(current[key], next[key]) : next[key];
    return out as T;
  }
  return next;
}
