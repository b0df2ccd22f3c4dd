import { applyJsonPatches } from '@braid-live/core/protocol';
import type { BraidStore } from '@braid-live/server';
import type { Notes } from '../src/model/resources';

/**
 * The notes used to be a JSON document `{ text }`; they are a `braid.text` resource now. A data folder (or Redis)
 * from before holds JSON versions at that path, which a text resource cannot load: this turns them, once, into a
 * text base holding the latest notes (the old JSON versions are dropped; the text is kept). Run before the
 * resource is defined. Returns whether it migrated.
 */
export async function migrateJsonNotes(store: BraidStore, path: string, initial: Notes): Promise<boolean> {
  const stored = await store.load(path);
  if (!stored) return false;
  const isText =
    (stored.base === undefined || typeof stored.base.value === 'string') &&
    stored.records.every((record) => 'events' in record); // (text records count their events)
  if (isText) return false;
  let value: unknown = stored.base?.value ?? initial;
  for (const record of stored.records) value = applyJsonPatches(value, record.patches);
  const text =
    typeof value === 'object' && value !== null && typeof (value as Notes).text === 'string'
      ? (value as Notes).text
      : initial.text;
  if (store.shared) {
    const seq = (stored.base?.seq ?? 0) + stored.records.length;
    await store.shared.snapshot(path, { seq, version: [], value: text });
  } else {
    await store.compact(path, { base: { version: [], value: text }, records: [] });
  }
  return true;
}
