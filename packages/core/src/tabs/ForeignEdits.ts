import { BraidError } from '../client/BraidError';
import type { ReadState } from '../client/ReadState';
import { applyJsonPatches, invertPatches, type JsonPatch, transformPatchLists } from '../protocol/index';

/** What a ClientResource asks of the other tabs' edits of its resource (persist/ClientPersistence.ForeignView). */
export interface ForeignView {
  /** This tab's view with the other tabs' unconfirmed edits over it; the same object while neither changed. */
  view(state: ReadState): unknown;
  /** An edit made against that view, as this tab's own edit (against `state.view`). Throws 'conflict' when it cannot. */
  own(state: ReadState, patches: JsonPatch[]): JsonPatch[];
}

/**
 * The unconfirmed edits other tabs of the profile have made to one resource, shown over this tab's view before
 * the server has them (also offline). Each tab tells the others its edits as patches relative to its confirmed
 * version (`base`); they are shown only by a tab at that same version (tabs share one stream, so they are at the
 * same version but for moments), as: this tab's confirmed state, its own edits, then the other tabs' edits
 * transformed past its own (in the order of their tab ids). They are never sent by this tab: they drop out when
 * their owner's next message says so (confirmed — then this tab's stream shows them — rejected, or the owner left).
 * Until the server orders them, two tabs may show concurrent edits in different orders (two items appended
 * offline in two tabs: each tab lists its own first); once confirmed, every tab shows the server's order.
 */
export class ForeignEdits implements ForeignView {
  private edits = new Map<string, { base: string[]; patches: JsonPatch[] }>();
  private generation = 0;
  private cache?: {
    local: unknown;
    confirmed: unknown;
    generation: number;
    layer: JsonPatch[];
    view: unknown;
  };
  /** The ClientResource shows the view again (set when one attaches). */
  refresh?: () => void;

  constructor(readonly url: string) {}

  /** Another tab's edits now (none: `patches` empty or the tab left). */
  set(tab: string, base: string[], patches: JsonPatch[]): void {
    if (patches.length) this.edits.set(tab, { base, patches });
    else if (!this.edits.delete(tab)) return;
    this.generation++;
    this.refresh?.();
  }

  get size(): number {
    return this.edits.size;
  }

  view(state: ReadState): unknown {
    if (this.edits.size === 0) return state.view;
    return this.layered(state).view;
  }

  own(state: ReadState, patches: JsonPatch[]): JsonPatch[] {
    if (this.edits.size === 0) return patches;
    const { layer } = this.layered(state);
    if (layer.length === 0) return patches;
    // The edit was made over the other tabs' edits: take those out from under it (undo them, transform past).
    const undo = invertPatches(state.view, layer);
    const [mine] = transformPatchLists(patches, undo, true);
    if (mine.length < patches.length)
      throw new BraidError(
        'conflict',
        this.url,
        "this edit changes another tab's unsaved edit: make it again once that one is saved",
      );
    return mine;
  }

  /** The other tabs' edits as one list against this tab's view, and the view with them (cached). */
  private layered(state: ReadState): { layer: JsonPatch[]; view: unknown } {
    const c = this.cache;
    if (c && c.local === state.view && c.confirmed === state.confirmed && c.generation === this.generation)
      return c;
    let layer: JsonPatch[] = [];
    let view = state.view;
    try {
      const base = state.confirmed?.version ?? [];
      for (const tab of [...this.edits.keys()].sort()) {
        const theirs = this.edits.get(tab)!;
        if (theirs.base.join('\n') !== base.join('\n')) continue; // not at our version (a moment): shown once it is
        const [next] = transformPatchLists(theirs.patches, layer, true);
        layer = layer.concat(next);
      }
      const mine = [...(state.inflight?.patches ?? []), ...state.buffer];
      if (mine.length && layer.length) layer = transformPatchLists(layer, mine, true)[0];
      if (layer.length) view = applyJsonPatches(state.view, layer);
    } catch {
      // Edits that do not apply here (a shape this tab does not have): not shown, rather than a broken view.
      layer = [];
      view = state.view;
    }
    this.cache = { local: state.view, confirmed: state.confirmed, generation: this.generation, layer, view };
    return this.cache;
  }
}
