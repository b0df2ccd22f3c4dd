import { useBraidSelector } from '@braid-live/react';
import { type Thresholds, urls } from '../model/resources';

const selectors = {
  temperature: (t: Thresholds) => t.temperature,
  humidity: (t: Thresholds) => t.humidity,
  pressure: (t: Thresholds) => t.pressure,
  errorRate: (t: Thresholds) => t.errorRate,
  priceMove: (t: Thresholds) => t.priceMove,
} satisfies Record<keyof Thresholds, (t: Thresholds) => number>;

/** One shared alert threshold: the component re-renders only when that number changes. */
export function useThreshold(key: keyof Thresholds): number | undefined {
  return useBraidSelector(urls.thresholds, selectors[key]);
}
