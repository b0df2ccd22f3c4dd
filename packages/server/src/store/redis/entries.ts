import type { SeqRecord } from '../../cluster/sharedLog';
import { isVersionRecord } from '../recordShape';
import { seqOfEntryId } from './keys';

/** A stream entry as Redis replies it: its id and its field/value list. */
export type StreamEntry = [id: string, fields: string[]];

/** Stream entries → versions with their positions. Throws on an entry that is not a version record. */
export function parseEntries(entries: readonly StreamEntry[]): SeqRecord[] {
  const out: SeqRecord[] = [];
  for (const [id, fields] of entries) {
    const json = fields[fields.indexOf('r') + 1];
    const record: unknown = json === undefined ? undefined : JSON.parse(json);
    if (!isVersionRecord(record)) throw new Error(`stream entry ${id} is not a version record`);
    out.push({ seq: seqOfEntryId(id), record });
  }
  return out;
}
