import { useBraidSelector } from '@braid-live/react';
import type { Ring } from '../model/resources';
import { ringToArray } from '../model/ring';

const selectSeries = (value: { series: Ring<number> }) => value.series;

/** The chart window of a live feed, oldest point first (re-renders only when the series changed). */
export function useSeries(url: string): number[] | undefined {
  const ring = useBraidSelector(url, selectSeries);
  return ring && ringToArray(ring);
}
