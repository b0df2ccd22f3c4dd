// Other tabs' unconfirmed edits over this tab's view (tabs/ForeignEdits.ts), on a real OptimisticState.
import { describe, expect, it } from 'vitest';
import { OptimisticState } from '../../src/client/OptimisticState';
import { diffJson } from '../../src/protocol/index';
import { ForeignEdits } from '../../src/tabs/ForeignEdits';

function stateAt(version: string, value: unknown): OptimisticState {
  const state = new OptimisticState();
  state.receiveSnapshot([version], value);
  return state;
}

describe('ForeignEdits', () => {
  it("shows another tab's edits at the same version over this tab's own (its own first), and drops them", () => {
    const state = stateAt('v1', { items: ['x'] });
    state.localEdit({ items: ['x', 'mine'] }, diffJson({ items: ['x'] }, { items: ['x', 'mine'] }));
    const foreign = new ForeignEdits('/doc');
    let refreshed = 0;
    foreign.refresh = () => refreshed++;
    foreign.set('tab-b', ['v1'], [{ range: '.items[1:1]', content: ['theirs'] }]);
    expect(refreshed).toBe(1);
    const view = foreign.view(state);
    expect(view).toEqual({ items: ['x', 'mine', 'theirs'] });
    expect(foreign.view(state)).toBe(view); // the same object while nothing changed (useSyncExternalStore)
    foreign.set('tab-b', ['v0'], [{ range: '.items[1:1]', content: ['theirs'] }]);
    expect(foreign.view(state)).toEqual({ items: ['x', 'mine'] }); // not at our version: not shown
    foreign.set('tab-b', ['v1'], []);
    expect(foreign.view(state)).toBe(state.view);
  });

  it('an edit made over them is turned into this tab’s own; one inside their edit is refused', () => {
    const state = stateAt('v1', { items: ['x'] });
    const foreign = new ForeignEdits('/doc');
    foreign.set('tab-b', ['v1'], [{ range: '.items[0:0]', content: [{ title: 'theirs' }] }]);
    const shown = foreign.view(state) as { items: unknown[] };
    expect(shown.items).toEqual([{ title: 'theirs' }, 'x']);
    // Appending at index 2 of what is shown is appending at index 1 of what this tab holds.
    const own = foreign.own(state, diffJson(shown, { items: [...shown.items, 'mine'] }));
    expect(own).toEqual([{ range: '.items[1:1]', content: ['mine'] }]);
    // Changing the other tab's unsaved item cannot be this tab's edit: a typed error, nothing applied.
    expect(() => foreign.own(state, [{ range: '.items[0].title', content: 'changed' }])).toThrow(
      expect.objectContaining({ kind: 'conflict' }),
    );
  });
});
