// The dashboard's resources: their URLs and JSON shapes. Shared by the browser app and the server, so both
// sides agree on what lives where. Every URL is its own Braid resource (its own subscription and history).
import { defineResource } from '@braid-live/core/protocol';

/**
 * A fixed-size window of recent points, as a ring buffer: a tick overwrites the oldest slot and advances `next`.
 * On the wire that is two tiny patches (`.values[k]` and `.next`). A sliding array (push + shift) would be
 * sent as one patch per element, because immer records a shift as a rewrite of every index.
 */
export interface Ring<T> {
  values: T[];
  /** Index of the slot the next point goes into, which is also the oldest point. */
  next: number;
}

export interface Ticker {
  symbol: string;
  name: string;
  /** Latest price. */
  price: number;
  /** Price at the start of the session (for the day's change). */
  open: number;
  /** Recent prices. */
  series: Ring<number>;
  /** ms since epoch of the last tick (0 before the first one). */
  updatedAt: number;
}

export type SensorKind = 'temperature' | 'humidity' | 'pressure';

export interface Sensor {
  id: string;
  label: string;
  location: string;
  kind: SensorKind;
  unit: string;
  value: number;
  series: Ring<number>;
  battery: number;
  updatedAt: number;
}

export interface Traffic {
  /** Requests per second, latest. */
  rps: number;
  /** Failed requests per second, latest. */
  errors: number;
  /** 95th percentile latency in ms, latest. */
  p95: number;
  /** Recent [requests/s, errors/s] pairs. */
  series: Ring<[number, number]>;
  updatedAt: number;
}

/** Alert thresholds: a reading above its threshold lights up its card. */
export interface Thresholds {
  temperature: number;
  humidity: number;
  pressure: number;
  /** Percent of requests failing. */
  errorRate: number;
  /** Percent move of a price since the open (either direction). */
  priceMove: number;
}

export type Severity = 'critical' | 'major' | 'minor';

export interface Incident {
  id: string;
  title: string;
  severity: Severity;
  resolved: boolean;
  /** ms since epoch */
  createdAt: number;
  /** Display name of whoever opened it. */
  openedBy: string;
}

export interface Incidents {
  items: Incident[];
}

/** The notes as they were stored before they became a text resource (read once, by the migration). */
export interface Notes {
  text: string;
}

export const TICKER_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'TSLA'] as const;
export const SENSOR_IDS = ['server-room', 'greenhouse', 'boiler', 'lab'] as const;

export const urls = {
  ticker: (symbol: string) => `/api/stocks/${symbol}`,
  sensor: (id: string) => `/api/sensors/${id}`,
  traffic: '/api/traffic',
  thresholds: '/api/shared/thresholds',
  incidents: '/api/shared/incidents',
  notes: '/api/shared/notes',
} as const;

/** Resources the server pushes to (they change by themselves, several times a second). */
export const LIVE_FEED_URLS: readonly string[] = [
  ...TICKER_SYMBOLS.map(urls.ticker),
  ...SENSOR_IDS.map(urls.sensor),
  urls.traffic,
];

/** The shared documents as typed tokens: the server serves them and the panels read them with one type. */
export const thresholdsResource = defineResource<Thresholds>(urls.thresholds);
export const incidentsResource = defineResource<Incidents>(urls.incidents);

/** Resources people edit together (each with its own version history). */
export const SHARED_URLS = [urls.thresholds, urls.incidents, urls.notes] as const;
export type SharedUrl = (typeof SHARED_URLS)[number];

/** The JSON resources (the notes are a text: `braid.text`, shown by components/shared/notesText.tsx). */
export const ALL_URLS: readonly string[] = [...LIVE_FEED_URLS, urls.thresholds, urls.incidents];

/** How many points a chart window keeps. */
export const SERIES_LENGTH = 60;

/** Slider bounds of each threshold (the server refuses values outside them). */
export const THRESHOLD_RANGES: Record<
  keyof Thresholds,
  { min: number; max: number; step: number; unit: string }
> = {
  temperature: { min: 10, max: 40, step: 0.5, unit: '°C' },
  humidity: { min: 20, max: 95, step: 1, unit: '%' },
  pressure: { min: 1, max: 3, step: 0.05, unit: 'bar' },
  errorRate: { min: 0.5, max: 10, step: 0.1, unit: '%' },
  priceMove: { min: 0.5, max: 10, step: 0.1, unit: '%' },
};

export const LIMITS = { notesChars: 20_000, incidents: 100, incidentTitle: 140 } as const;
