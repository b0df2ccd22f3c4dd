import type { JsonPatch } from '@braid-live/core/protocol';
import type { TextSplice } from '@braid-live/core/text';
import type { VersionRecord } from '../store/types';

/**
 * A text version in the store: a VersionRecord (so every store keeps it as is) whose patches are the applied
 * splices as a parallel set (`[a:b]` in code points, ascending), plus what rebuilding the version names needs.
 */
export interface TextVersionRecord extends VersionRecord {
  /** Sorted ids naming the state after this version. */
  frontier: string[];
  /** Events (code points inserted + deleted) the writer's edit made: its id covers `seq-events+1 … seq`. */
  events: number;
  transformed: boolean;
}

export function splicesAsPatches(splices: readonly TextSplice[]): JsonPatch[] {
  return splices.map((s) => ({ range: `[${s.start}:${s.end}]`, content: s.content }));
}

const RANGE = /^\[(\d+):(\d+)\]$/;

/** The splices of a stored record, or undefined when it is not a text record. */
export function readTextRecord(
  record: VersionRecord,
): { record: TextVersionRecord; splices: TextSplice[] } | undefined {
  const r = record as Partial<TextVersionRecord> & VersionRecord;
  if (!Array.isArray(r.frontier) || !r.frontier.every((id) => typeof id === 'string')) return undefined;
  if (typeof r.events !== 'number' || typeof r.transformed !== 'boolean') return undefined;
  const splices: TextSplice[] = [];
  for (const patch of r.patches) {
    const m = RANGE.exec(patch.range);
    if (!m || typeof patch.content !== 'string') return undefined;
    splices.push({ start: Number(m[1]), end: Number(m[2]), content: patch.content });
  }
  return { record: r as TextVersionRecord, splices };
}
