/** A Set or a Map: what `forgetOldest` bounds. */
interface InsertionOrdered<K> {
  readonly size: number;
  keys(): IterableIterator<K>;
  delete(key: K): boolean;
}

/**
 * Forgets the oldest keys (in insertion order) of a Set or Map until at most `max` are left: the bound of the
 * ids a multiplexer or a history remembers for messages that may still arrive late (or early).
 */
export function forgetOldest<K>(collection: InsertionOrdered<K>, max: number): void {
  while (collection.size > max) collection.delete(collection.keys().next().value as K);
}
