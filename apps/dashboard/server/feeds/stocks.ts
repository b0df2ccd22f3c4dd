import type { BraidServer } from '@braid-live/server';
import { SERIES_LENGTH, TICKER_SYMBOLS, type Ticker, urls } from '../../src/model/resources';
import { ringFrom, ringPush } from '../../src/model/ring';
import { feedAccess } from './feedAccess';
import { gaussian, round, seededRandom } from './random';
import { runFeed } from './runFeed';

const PROFILES: Record<string, { name: string; price: number; volatility: number }> = {
  AAPL: { name: 'Apple', price: 231.4, volatility: 0.0016 },
  MSFT: { name: 'Microsoft', price: 428.1, volatility: 0.0014 },
  NVDA: { name: 'NVIDIA', price: 138.7, volatility: 0.0032 },
  AMZN: { name: 'Amazon', price: 201.2, volatility: 0.002 },
  GOOG: { name: 'Alphabet', price: 176.9, volatility: 0.0018 },
  TSLA: { name: 'Tesla', price: 249.5, volatility: 0.004 },
};

/** One random-walk step: noise plus a slight pull back towards the open, so prices wander but stay plausible. */
function step(price: number, open: number, volatility: number, random: () => number = Math.random): number {
  const pull = 0.02 * Math.log(open / price);
  return round(price * Math.exp(pull + volatility * gaussian(random)), 2);
}

/** The value before any tick: a deterministic walk (see seededRandom), so that restarts replay onto the same base. */
function initialTicker(symbol: string): Ticker {
  // Unknown symbols are refused by feedAccess; the fallback covers the server loading the pattern path itself.
  const profile = PROFILES[symbol] ?? { name: symbol, price: 100, volatility: 0.002 };
  const random = seededRandom(`ticker:${symbol}`);
  const values: number[] = [];
  let price = profile.price;
  for (let i = 0; i < SERIES_LENGTH; i++)
    values.push((price = step(price, profile.price, profile.volatility, random)));
  return { symbol, name: profile.name, price, open: profile.price, series: ringFrom(values), updatedAt: 0 };
}

/** `/api/stocks/:symbol`: one resource per ticker, each ticking a few times a second. */
export function startStockFeeds(braid: BraidServer, onError: (error: unknown) => void): () => void {
  braid.resource<Ticker>('/api/stocks/:symbol', {
    initial: ({ symbol }) => initialTicker(symbol),
    authorize: feedAccess((params) => Object.hasOwn(PROFILES, params.symbol)),
  });
  const stops = TICKER_SYMBOLS.map((symbol) =>
    runFeed({
      everyMs: 450,
      onError,
      tick: () =>
        braid.patch<Ticker>(urls.ticker(symbol), (d) => {
          d.price = step(d.price, d.open, PROFILES[symbol].volatility);
          ringPush(d.series, d.price);
          d.updatedAt = Date.now();
        }),
    }),
  );
  return () => {
    for (const stop of stops) stop();
  };
}
