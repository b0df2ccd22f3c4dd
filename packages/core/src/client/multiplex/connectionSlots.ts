/**
 * Long-lived requests (a multiplexer stream, a plain subscription) each hold one HTTP/1.1 connection for as
 * long as they live. Browsers open at most 6 per origin, shared by every tab of a profile; if long-lived
 * requests took all 6, every other request (a new tab's page and scripts, writes, the multiplexed requests
 * themselves) would wait forever. So they take a slot first: at most 5, counted across tabs with Web Locks,
 * which every tab of the profile shares and which a closed or crashed tab releases by itself.
 *
 * Without Web Locks (Node, which has no such limit; pages that are not a secure context) there is nothing
 * to share and a slot is granted at once.
 */
const CONNECTIONS_PER_ORIGIN = 6;
/** All but one: ordinary requests always have a connection. */
export const LONG_LIVED_SLOTS = CONNECTIONS_PER_ORIGIN - 1;

export interface ConnectionSlot {
  /** Gives the slot back (idempotent). */
  release(): void;
}

type LockCallback = (lock: unknown) => Promise<void> | undefined;
interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: LockCallback,
  ): Promise<unknown>;
}

/** What is granted where there is nothing to count: holds nothing. */
export const FREE_SLOT: ConnectionSlot = { release: () => {} };

function lockManager(): LockManagerLike | undefined {
  if (typeof window === 'undefined' || typeof navigator === 'undefined') return undefined;
  return (navigator as Navigator & { locks?: LockManagerLike }).locks;
}

const slotName = (origin: string, index: number) => `braid-live:long-lived:${origin}:${index}`;

/** Resolves with a slot for a long-lived request to `origin`, waiting while all are taken. */
export async function acquireSlot(origin: string, signal?: AbortSignal): Promise<ConnectionSlot> {
  const locks = lockManager();
  if (!locks) return FREE_SLOT;
  signal?.throwIfAborted();
  for (let i = 0; i < LONG_LIVED_SLOTS; i++) {
    const slot = await hold(locks, slotName(origin, i), { ifAvailable: true });
    if (slot) return slot;
  }
  return waitForAnySlot(locks, origin, signal);
}

/** Queues for every slot at once and keeps the first granted. */
function waitForAnySlot(
  locks: LockManagerLike,
  origin: string,
  signal?: AbortSignal,
): Promise<ConnectionSlot> {
  return new Promise((resolve, reject) => {
    const queued = new AbortController();
    let granted = false;
    const onAbort = () => {
      queued.abort();
      reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    for (let i = 0; i < LONG_LIVED_SLOTS; i++) {
      hold(locks, slotName(origin, i), { signal: queued.signal }).then(
        (slot) => {
          if (!slot) return;
          if (granted || signal?.aborted) return slot.release();
          granted = true;
          queued.abort();
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        () => {}, // our own abort of the queued requests
      );
    }
  });
}

/** Requests one lock; resolves with a handle that holds it until released (null when not available). */
function hold(
  locks: LockManagerLike,
  name: string,
  options: { ifAvailable?: boolean; signal?: AbortSignal },
): Promise<ConnectionSlot | null> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, options, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve({ release: () => release() }));
      })
      .catch(reject);
  });
}
