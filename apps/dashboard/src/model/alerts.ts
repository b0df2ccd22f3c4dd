import type { Ticker, Traffic } from './resources';

/** Percent of requests failing right now. */
export const errorRatePercent = (traffic: Pick<Traffic, 'rps' | 'errors'>): number =>
  traffic.rps > 0 ? (100 * traffic.errors) / traffic.rps : 0;

/** Percent change of a price since the open. */
export const priceChangePercent = (ticker: Pick<Ticker, 'price' | 'open'>): number =>
  ticker.open > 0 ? (100 * (ticker.price - ticker.open)) / ticker.open : 0;

/** A reading above its threshold (temperature, humidity, pressure, error rate) raises an alert. */
export const isOver = (value: number, threshold: number): boolean => value > threshold;

/** A price that moved more than the threshold since the open, either way, raises an alert. */
export const movedTooFar = (changePercent: number, threshold: number): boolean =>
  Math.abs(changePercent) > threshold;
