/**
 * What we learned about an origin: whether its server multiplexes. Kept in localStorage when the page has
 * it (so a new tab or a reload starts multiplexed without probing again), in memory otherwise.
 */
const STORAGE_PREFIX = 'braid-live:multiplex:';
/** A refusal is re-checked after this long (the server may be upgraded); a success is kept until it fails. */
const REFUSAL_KEPT_MS = 10 * 60_000;

interface Remembered {
  supported: boolean;
  at: number;
}

const inMemory = new Map<string, Remembered>();

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // sandboxed iframes and some private modes throw on access
  }
}

/** true / false when known (and not expired), undefined when this origin was never probed. */
export function rememberedSupport(origin: string): boolean | undefined {
  let entry = inMemory.get(origin);
  if (!entry) {
    try {
      const raw = storage()?.getItem(STORAGE_PREFIX + origin);
      const parsed = raw ? (JSON.parse(raw) as Partial<Remembered>) : undefined;
      if (parsed && typeof parsed.supported === 'boolean' && typeof parsed.at === 'number')
        entry = { supported: parsed.supported, at: parsed.at };
    } catch {
      entry = undefined; // unreadable or not ours: probe again
    }
  }
  if (!entry) return undefined;
  if (!entry.supported && Date.now() - entry.at > REFUSAL_KEPT_MS) return undefined;
  return entry.supported;
}

export function rememberSupport(origin: string, supported: boolean): void {
  const entry = { supported, at: Date.now() };
  inMemory.set(origin, entry);
  try {
    storage()?.setItem(STORAGE_PREFIX + origin, JSON.stringify(entry));
  } catch {
    // full or forbidden: memory is enough for this page
  }
}

/** For tests: forget everything this page learned. */
export function forgetSupport(origin: string): void {
  inMemory.delete(origin);
  try {
    storage()?.removeItem(STORAGE_PREFIX + origin);
  } catch {}
}
