import type { BraidServer } from '@braid-live/server';
import { startSensorFeeds } from './sensors';
import { startStockFeeds } from './stocks';
import { startTrafficFeed } from './traffic';

/** Defines the live feed resources and starts pushing to them. Returns a function that stops every feed. */
export function startFeeds(braid: BraidServer, onError: (error: unknown) => void): () => void {
  const stops = [
    startStockFeeds(braid, onError),
    startSensorFeeds(braid, onError),
    startTrafficFeed(braid, onError),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
