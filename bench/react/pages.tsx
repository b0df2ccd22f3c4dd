import { useBraid, useBraidSelector } from '@braid-live/react';
import { memo } from 'react';

export interface Grid {
  cells: number[];
}

export const GRID_URL = '/grid';
export const CELLS = 1000;

/** Renders of every cell component since the last reset (one counter for the whole page). */
export const renderCount = { cells: 0 };

// One stable selector per cell: a new function per render would make every cell recompute its slice.
const selectors = Array.from({ length: CELLS }, (_, i) => (grid: Grid) => grid.cells[i]);
/** Cell indexes, which are also the cells' stable keys. */
const CELL_IDS = Array.from({ length: CELLS }, (_, i) => i);

function SelectorCell({ index }: { index: number }) {
  const value = useBraidSelector<Grid, number>(GRID_URL, selectors[index]);
  renderCount.cells++;
  return <span data-i={index}>{value ?? ''}</span>;
}

/** 1000 cells, each reading its own cell through useBraidSelector; the page itself reads nothing. */
export function SelectorPage() {
  return (
    <div>
      {CELL_IDS.map((id) => (
        <SelectorCell key={id} index={id} />
      ))}
    </div>
  );
}

function PlainCell({ index, value }: { index: number; value: number | undefined }) {
  renderCount.cells++;
  return <span data-i={index}>{value ?? ''}</span>;
}

/** The same page with plain useBraid at the top, passing each cell its value. */
export function TopLevelPage() {
  const [grid] = useBraid<Grid>(GRID_URL);
  return (
    <div>
      {CELL_IDS.map((id) => (
        <PlainCell key={id} index={id} value={grid?.cells[id]} />
      ))}
    </div>
  );
}

const MemoCell = memo(PlainCell);

/** useBraid at the top with React.memo cells: what a careful app does without selectors. */
export function TopLevelMemoPage() {
  const [grid] = useBraid<Grid>(GRID_URL);
  return (
    <div>
      {CELL_IDS.map((id) => (
        <MemoCell key={id} index={id} value={grid?.cells[id]} />
      ))}
    </div>
  );
}
