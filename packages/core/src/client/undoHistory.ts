import type { JsonPatch } from '../protocol/types';

/** Which stack an edit goes on: a new edit (clears redo), an undo (goes on redo), a redo (back on undo). */
export type EditKind = 'edit' | 'undo' | 'redo';

/** One `set` call as applied to the view: `prev` + `patches` = `next` (values are immutable: references). */
export interface EditRecord {
  prev: unknown;
  patches: JsonPatch[];
  next: unknown;
}

/** Kept steps per stack: an old step goes first (memory stays bounded however long a page edits). */
const MAX_STEPS = 100;

/**
 * The undo and redo stacks of this client's own edits, one step per `set` call. Recording is all an edit pays
 * (two references and its patches); the inverse and its transform are worked out only on undo (undoStep.ts; both are
 * part of the write path's chunk, which pages that only read never load).
 */
export class UndoHistory {
  undos: EditRecord[] = [];
  redos: EditRecord[] = [];

  record(record: EditRecord, kind: EditKind): void {
    const stack = kind === 'undo' ? this.redos : this.undos;
    if (kind === 'edit') this.redos = [];
    stack.push(record);
    if (stack.length > MAX_STEPS) stack.shift();
  }
}
