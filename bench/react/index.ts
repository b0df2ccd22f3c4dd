/**
 * pnpm bench react: 1000 components each showing one cell of a live resource while the server changes one cell
 * per update at 100 updates/s: renders per update and time per update, with useBraidSelector in each cell vs
 * plain useBraid at the top of the page. jsdom + React 19 act(); the server is a real braid-live server on
 * 127.0.0.1 (in this process), writing with braid.patch. Options: --updates=300 --rate=100.
 */
import './domGlobals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BraidClient } from '@braid-live/core';
import { BraidProvider } from '@braid-live/react';
import { createBraidServer, memoryStore } from '@braid-live/server';
import { act, type ComponentType, createElement, Profiler } from 'react';
import { createRoot } from 'react-dom/client';
import { BenchArgs } from '../lib/args';
import { sleep } from '../lib/clock';
import { fmtMs } from '../lib/format';
import { writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';
import {
  CELLS,
  GRID_URL,
  type Grid,
  renderCount,
  SelectorPage,
  TopLevelMemoPage,
  TopLevelPage,
} from './pages';

const args = new BenchArgs();
const updates = args.number('updates', 300);
const rate = args.number('rate', 100);
const WARMUP = 20;
/** Every write sets a value never written before, so each update really changes its cell (pages share the server). */
let nextValue = 1;

interface PageResult {
  page: string;
  updates: number;
  achievedRate: number;
  rendersPerUpdate: number;
  maxRendersPerUpdate: number;
  commitsPerUpdate: number;
  /** React's own render+commit time per update (Profiler actualDuration), median. */
  renderMs: number;
  /** From braid.patch on the server to the page committed in the DOM, median and p99. */
  endToEndMs: number;
  endToEndP99Ms: number;
}

async function measurePage(
  name: string,
  Page: ComponentType,
  port: number,
  braid: ReturnType<typeof createBraidServer>,
) {
  const client = new BraidClient({ baseUrl: `http://127.0.0.1:${port}`, heartbeats: 0 });
  const resource = client.resource<Grid>(GRID_URL);
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  let commits = 0;
  let renderTime = 0;
  const onRender = (_id: string, _phase: string, actualDuration: number) => {
    commits++;
    renderTime += actualDuration;
  };

  await act(async () => {
    root.render(
      createElement(
        BraidProvider,
        { client },
        createElement(Profiler, { id: name, onRender }, createElement(Page)),
      ),
    );
  });
  await act(async () => {
    await resource.ready;
  });

  // Resolves when the client has applied `version` (its listeners, React's included, have been called).
  const received = (version: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (resource.getStatus().version?.includes(version)) {
          unsubscribe();
          resolve();
        }
      };
      const unsubscribe = resource.subscribe(check);
      check();
    });

  const perUpdate: { renders: number; commits: number; renderMs: number; endToEndMs: number }[] = [];
  const interval = 1000 / rate;
  const start = performance.now();
  const total = WARMUP + updates;
  for (let u = 0; u < total; u++) {
    const wait = start + u * interval - performance.now();
    if (wait > 1) await sleep(wait);
    const cell = (u * 7919) % CELLS;
    const value = nextValue++;
    const renders0 = renderCount.cells;
    const commits0 = commits;
    const renderTime0 = renderTime;
    const t0 = performance.now();
    await act(async () => {
      const version = await braid.patch<Grid>(GRID_URL, (d) => {
        d.cells[cell] = value;
      });
      await received(version);
    });
    const endToEndMs = performance.now() - t0;
    const shown = container.querySelector(`[data-i="${cell}"]`)?.textContent;
    if (shown !== String(value)) throw new Error(`${name}: cell ${cell} shows ${shown}, expected ${value}`);
    if (u >= WARMUP) {
      perUpdate.push({
        renders: renderCount.cells - renders0,
        commits: commits - commits0,
        renderMs: renderTime - renderTime0,
        endToEndMs,
      });
    }
  }
  const elapsed = performance.now() - start;
  await act(async () => root.unmount());
  container.remove();
  client.close();

  const sorted = perUpdate.map((p) => p.endToEndMs).sort((a, b) => a - b);
  const result: PageResult = {
    page: name,
    updates: perUpdate.length,
    achievedRate: total / (elapsed / 1000),
    rendersPerUpdate: perUpdate.reduce((s, p) => s + p.renders, 0) / perUpdate.length,
    maxRendersPerUpdate: Math.max(...perUpdate.map((p) => p.renders)),
    commitsPerUpdate: perUpdate.reduce((s, p) => s + p.commits, 0) / perUpdate.length,
    renderMs: median(perUpdate.map((p) => p.renderMs)),
    endToEndMs: median(sorted),
    endToEndP99Ms: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)],
  };
  return result;
}

async function main(): Promise<void> {
  const braid = createBraidServer({ store: memoryStore() });
  braid.resource(GRID_URL, { initial: { cells: Array.from({ length: CELLS }, () => 0) } });
  const server = http.createServer(braid.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const results: PageResult[] = [];
  try {
    for (const [name, Page] of [
      ['useBraidSelector in each cell', SelectorPage],
      ['useBraid at the top', TopLevelPage],
      ['useBraid at the top + React.memo cells', TopLevelMemoPage],
    ] as const) {
      results.push(await measurePage(name, Page, port, braid));
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await braid.close();
  }

  printTable(
    `react: ${CELLS} components, one cell changed per update, ${updates} updates at ${rate}/s (jsdom, React 19 act)`,
    [
      'page',
      'renders/update',
      'max',
      'commits/update',
      'render+commit',
      'patch → DOM p50',
      'p99',
      'achieved rate',
    ],
    results.map((r) => [
      r.page,
      r.rendersPerUpdate.toFixed(2),
      String(r.maxRendersPerUpdate),
      r.commitsPerUpdate.toFixed(2),
      fmtMs(r.renderMs),
      fmtMs(r.endToEndMs),
      fmtMs(r.endToEndP99Ms),
      `${r.achievedRate.toFixed(0)}/s`,
    ]),
  );
  console.log(
    'render+commit: React Profiler actualDuration per update (median). patch → DOM: braid.patch on the server\n' +
      'to the update committed, through HTTP on loopback.',
  );
  const selector = results[0];
  const targets: Target[] = [
    {
      name: 'React selector page: 1 render per update',
      measured: `${selector.rendersPerUpdate.toFixed(2)} renders/update (max ${selector.maxRendersPerUpdate}) vs ${results[1].rendersPerUpdate.toFixed(0)} with useBraid at the top`,
      met: selector.rendersPerUpdate === 1 && selector.maxRendersPerUpdate === 1,
    },
  ];
  printTargets('react targets', targets);
  writeResults('react', { cells: CELLS, updates, rate, warmup: WARMUP, results, targets });
}

await main();
