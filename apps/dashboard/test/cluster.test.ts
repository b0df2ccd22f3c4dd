import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BraidClient } from '@braid-live/core';
import { TextResource } from '@braid-live/core/text';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RedisServer } from '../../../packages/server/test/helpers/redisServer';
import { eventually } from '../../../packages/server/test/helpers/server';
import { type DashboardServer, startDashboardServer } from '../server/dashboardServer';
import { type Ticker, urls } from '../src/model/resources';

// What `pnpm demo:cluster` runs: two dashboard nodes on one redis-server. A page on each is a client on each.

const redis = new RedisServer();
const tmp = mkdtempSync(join(tmpdir(), 'braid-dashboard-cluster-'));
const nodes: DashboardServer[] = [];
const clients: BraidClient[] = [];

beforeAll(async () => {
  await redis.start();
  for (const _ of [0, 1]) {
    nodes.push(
      await startDashboardServer({
        port: 0,
        host: '127.0.0.1',
        dataDir: tmp,
        distDir: tmp,
        redisUrl: redis.url,
      }),
    );
  }
}, 30_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const node of nodes) await node.close();
  await redis.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

test('two demo nodes on one Redis: an edit on one page shows on the other, and both see the same feed', async () => {
  for (const node of nodes) clients.push(new BraidClient({ baseUrl: node.url }));
  // The notes are a text (braid.text) on the shared log: an edit on one node shows on the other.
  const notes = nodes.map((node) => new TextResource(`${node.url}api/shared/notes`));
  const stops: (() => void)[] = notes.map((doc) => () => doc.close());
  await Promise.all(notes.map((doc) => doc.ready));
  notes[0].edit([{ start: 0, end: 0, content: 'from node one ' }]);
  await eventually(() => notes[1].text.startsWith('from node one'), 10_000, 'the edit on node two');
  notes[1].edit([
    { start: [...notes[1].text].length, end: [...notes[1].text].length, content: ' and node two' },
  ]);
  await eventually(
    () => notes[0].text.endsWith(' and node two') && !notes[0].pending && !notes[1].pending,
    10_000,
    'the edit on node one',
  );
  expect(notes[0].text).toBe(notes[1].text);

  // The feeds tick on both nodes; both pages see one sequence of versions.
  const tickers = clients.map((client) => client.resource<Ticker>(urls.ticker('AAPL')));
  stops.push(...tickers.map((doc) => doc.subscribe(() => {})));
  await Promise.all(tickers.map((doc) => doc.ready));
  const start = tickers[0].getStatus().version?.[0];
  await eventually(() => tickers[0].getStatus().version?.[0] !== start, 10_000, 'a tick');
  await eventually(
    () => tickers[0].getStatus().version?.[0] === tickers[1].getStatus().version?.[0],
    10_000,
    'both pages on the same version',
  );
  expect(tickers[0].getSnapshot()).toEqual(tickers[1].getSnapshot());
  for (const stop of stops) stop();
}, 30_000);
