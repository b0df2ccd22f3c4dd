/**
 * pnpm bench hostile: each row of the table in issue 11, sent to a real server (its own process, fileStore, on
 * 127.0.0.1) as a hostile client would, against the same request on a plain small object. For each: the
 * answer, the longest event-loop delay in the server while it was handled (perf_hooks.monitorEventLoopDelay),
 * and the longest gap between updates seen by an honest subscriber on another connection (a tick every
 * 10 ms). Target: no request blocks the loop for more than 50 ms, and the subscriber keeps receiving.
 * Bounded: every request has a timeout, the server stops by itself when this process ends.
 */
import { join } from 'node:path';
import { BraidClient } from '@braid-live/core';
import { spawnTs } from '../lib/child';
import { fmtMs } from '../lib/format';
import { BENCH_DIR, writeResults } from '../lib/results';
import { printTable } from '../lib/table';
import type { Target } from '../lib/targets';
import { HostileServer, type Measured, summarize } from './hostileServer';
import { hostileThresholds, keyPatches, splicePatches, TICK_MS } from './workload';

const MAX_DELAY_MS = 50;
/** The subscriber "keeps receiving": no gap between ticks longer than the delay target plus two ticks. */
const MAX_GAP_MS = MAX_DELAY_MS + 2 * TICK_MS;
const MiB = 2 ** 20;

interface ClientMessage {
  type: 'ready' | 'prepared' | 'done';
  answer?: string;
  setMs?: number;
  immerMs?: number;
  normalizeMs?: number;
  diffMs?: number;
  confirmedMs?: number;
}

interface Row {
  name: string;
  hostile: Measured;
  baseline: Measured;
  note?: string;
}

async function main(): Promise<void> {
  const server = await HostileServer.start(join(BENCH_DIR, 'hostile', 'server.ts'));
  const rows: Row[] = [];
  // HOSTILE_ROWS=<regex>: only the rows whose name matches (to look at one row; the setup still runs).
  const only = process.env.HOSTILE_ROWS ? new RegExp(process.env.HOSTILE_ROWS) : undefined;
  const none: Measured = {
    answer: 'skipped',
    ...{ ms: 0, maxDelayMs: 0, maxGcMs: 0, gcKind: '', tickGapMs: 0 },
    ...{ rssBeforeMiB: 0, rssAfterMiB: 0, openFiles: 0 },
  };
  const skipped: Row = { name: '', hostile: none, baseline: none };
  const row = async (name: string, hostile: () => Promise<string>, baseline: () => Promise<string>) => {
    if (only && !only.test(name)) return { ...skipped, name };
    const measured: Row = {
      name,
      hostile: await server.measure(hostile),
      baseline: await server.measure(baseline),
    };
    rows.push(measured);
    console.log(
      `  ${name}: ${measured.hostile.answer} in ${fmtMs(measured.hostile.ms)}, loop delay ${fmtMs(measured.hostile.maxDelayMs)}` +
        ` (plain: ${measured.baseline.answer}, ${fmtMs(measured.baseline.maxDelayMs)})`,
    );
    return measured;
  };
  try {
    await row(
      '1000 key patches onto 20,000 keys',
      () => server.put('/keys', keyPatches('', 1000, true)),
      () => server.put('/plain/keys', keyPatches('.a', 1000, false)),
    );
    await row(
      '1000 splices onto a 1 MB string',
      () => server.put('/text', splicePatches('.s', 1000, MiB)),
      () => server.put('/plain/splices', splicePatches('.s', 1000, 100)),
    );
    await row(
      'demo /api/shared/thresholds, hostile 1000-patch write',
      () => server.put('/api/shared/thresholds', hostileThresholds()),
      () => server.put('/plain/thresholds', hostileThresholds()),
    );

    // 50 versions of 1000 patches each, then a 1000-patch write based on the state before them.
    const base = await server.headVersion('/stale');
    for (let v = 0; v < 50; v++) {
      const patches = Array.from({ length: 1000 }, (_, i) => ({ range: `.a.k${i}`, content: v }));
      await server.put('/stale', patches, { version: `stale-${v}` });
    }
    const write = Array.from({ length: 1000 }, (_, i) => ({ range: `.a.k${(i * 3) % 1000}`, content: -i }));
    await row(
      '1000-patch write based on a version 50 versions old',
      () => server.put('/stale', write, { parents: base }),
      () => server.put('/stale', write),
    );

    const manyRow = await row(
      '300 PUTs to distinct pattern paths (fileStore)',
      () => server.puts(300, (i) => [`/many/${i}`, [{ range: '.n', content: i }]]),
      () => server.puts(300, (i) => ['/plain/many', [{ range: '.a.n', content: i }]]),
    );
    manyRow.note = `open files ${manyRow.baseline.openFiles} → after hostile ${manyRow.hostile.openFiles}`;

    const appendEight = server.prepare('/doc64', [{ range: '.s[-0:-0]', content: 'e'.repeat(8 * MiB) }]);
    const writeNine = Array.from({ length: 12 }, (_, i) =>
      server.prepare(`/huge/${i}`, [{ range: '.s', content: 'n'.repeat(9 * MiB) }]),
    );
    const docRow = await row(
      '8 appends of 8 MiB, then 12 writes of 9 MiB to pattern paths',
      async () => {
        const answers: string[] = [];
        for (let i = 0; i < 8; i++) answers.push(await appendEight());
        for (const write of writeNine) answers.push(await write());
        return summarize(answers);
      },
      () => server.puts(20, () => ['/plain/doc64', [{ range: '.s[-0:-0]', content: 'x' }]]),
    );
    docRow.note = `RSS ${docRow.hostile.rssBeforeMiB.toFixed(0)} → ${docRow.hostile.rssAfterMiB.toFixed(0)} MiB`;

    // The biggest writes the default limits let through (a body just under maxBodyBytes, 4 MiB), up to a
    // document just under maxDocumentBytes (8 MiB): these are answered 200, within the same budget.
    const largest = 'l'.repeat(4 * MiB - 64 * 1024);
    const appendLargest = server.prepare('/big4', [{ range: '.s[-0:-0]', content: largest }]);
    const writeLargest = Array.from({ length: 4 }, (_, i) =>
      server.prepare(`/huge/w${i}`, [{ range: '.s', content: largest }]),
    );
    const largestRow = await row(
      'largest writes allowed: 2 appends of 4 MiB (8 MiB doc), 4 writes of 4 MiB',
      async () => {
        const answers: string[] = [];
        for (let i = 0; i < 2; i++) answers.push(await appendLargest());
        for (const write of writeLargest) answers.push(await write());
        return summarize(answers);
      },
      () => server.puts(6, () => ['/plain/big4', [{ range: '.s[-0:-0]', content: 'x' }]]),
    );
    largestRow.note = `RSS ${largestRow.hostile.rssBeforeMiB.toFixed(0)} → ${largestRow.hostile.rssAfterMiB.toFixed(0)} MiB`;

    // Not in the table: the same largest write from 4 connections at once (their bodies end together).
    const writeAtOnce = Array.from({ length: 4 }, (_, i) =>
      server.prepare(`/huge/p${i}`, [{ range: '.s', content: largest }]),
    );
    await row(
      '4 of the largest writes at once (4 connections)',
      async () => summarize(await Promise.all(writeAtOnce.map((write) => write()))),
      async () =>
        summarize(
          await Promise.all(
            [0, 1, 2, 3].map(() => server.put('/plain/big4', [{ range: '.s[-0:-0]', content: 'x' }])),
          ),
        ),
    );

    const faultName = 'one injected ENOSPC on fsync, then the next write';
    const fault =
      only?.test(faultName) === false
        ? { injected: false }
        : await server.ask<{ injected: boolean }>({ type: 'fault' }, 'fault');
    if (fault.injected) {
      const faultRow = await row(
        faultName,
        async () => {
          const first = await server.put('/enospc', [{ range: '.items[-0:-0]', content: [1] }]);
          const next = await server.put('/enospc', [{ range: '.items[-0:-0]', content: [2] }]);
          return `${first}, then ${next}`;
        },
        async () => {
          const first = await server.put('/plain/enospc', [{ range: '.a.x', content: 1 }]);
          const next = await server.put('/plain/enospc', [{ range: '.a.y', content: 2 }]);
          return `${first}, then ${next}`;
        },
      );
      faultRow.note = 'answers: the faulted write, then the next one';
    } else {
      console.log('  ENOSPC row: pending (no fault-injection seam in this store)');
    }

    await server.ask({ type: 'history', versions: 100, bytes: 480 * 1024 }, 'history');
    await row(
      'GET ?history (100 versions of 480 KB)',
      () => server.get('/history?history'),
      () => server.get('/plain/history?history'),
    );

    // The app runs in a process of its own: its set() blocks its own loop, not the bench's (where the honest
    // subscriber is). It reports what of set() was immer's recipe and what was ours.
    const app = spawnTs<ClientMessage>(join(BENCH_DIR, 'hostile', 'clientChild.ts'));
    const plainClient = new BraidClient({ baseUrl: server.origin, gracePeriodMs: 100 });
    try {
      await app.next((m) => m.type === 'ready');
      const plainRes = plainClient.resource<{ s: string; a: Record<string, number> }>('/plain/client');
      // A listener keeps it subscribed (a resource without one is released after the grace period).
      const stop = plainRes.subscribe(() => {});
      await plainRes.ready;
      let report: ClientMessage | undefined;
      app.send({ type: 'prepare', origin: server.origin, path: '/items' });
      await app.next((m) => m.type === 'prepared', 300_000);
      const clientRow = await row(
        'client recipe touching 200,000 items',
        async () => {
          app.send({ type: 'run' });
          report = await app.next((m) => m.type === 'done', 300_000);
          return report.answer ?? '';
        },
        async () => {
          plainRes.set((d) => void (d.a.n = 1));
          return waitConfirmed(plainRes);
        },
      );
      if (report?.setMs !== undefined) {
        const ours = (report.normalizeMs ?? 0) + (report.diffMs ?? 0);
        clientRow.note =
          `in the app: set() ${fmtMs(report.setMs)}; its steps alone: immer's recipe (the app's) ` +
          `${fmtMs(report.immerMs ?? 0)}, ours ${fmtMs(ours)} (normalize ${fmtMs(report.normalizeMs ?? 0)}, ` +
          `diff ${fmtMs(report.diffMs ?? 0)}); ` +
          `confirmed after ${fmtMs(report.confirmedMs ?? 0)}`;
      }
      stop();
    } finally {
      plainClient.close();
      await app.stop();
    }
  } finally {
    await server.stop();
  }

  const metRow = (r: Row) => r.hostile.maxDelayMs <= MAX_DELAY_MS && r.hostile.tickGapMs <= MAX_GAP_MS;
  printTable(
    `hostile: longest server event-loop delay while each request is handled (target ≤ ${MAX_DELAY_MS} ms; ` +
      `honest subscriber's longest gap between ${TICK_MS} ms ticks ≤ ${MAX_GAP_MS} ms)`,
    [
      'what',
      'answer',
      'time',
      'loop delay',
      'longest GC in it',
      'subscriber gap',
      'plain: answer',
      'plain: delay',
      'target',
    ],
    rows.map((r) => [
      r.name,
      r.hostile.answer,
      fmtMs(r.hostile.ms),
      fmtMs(r.hostile.maxDelayMs),
      r.hostile.maxGcMs > 0 ? `${fmtMs(r.hostile.maxGcMs)} ${r.hostile.gcKind}` : '',
      fmtMs(r.hostile.tickGapMs),
      r.baseline.answer,
      fmtMs(r.baseline.maxDelayMs),
      metRow(r) ? 'met' : 'not met',
    ]),
  );
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
  const targets: Target[] = rows.map((r) => ({
    name: `${r.name}: loop delay ≤ ${MAX_DELAY_MS} ms, subscriber keeps receiving`,
    measured: `${r.hostile.answer}; delay ${fmtMs(r.hostile.maxDelayMs)}, gap ${fmtMs(r.hostile.tickGapMs)}`,
    met: metRow(r),
  }));
  writeResults('hostile', { rows, targets });
}

async function waitConfirmed(res: { getStatus(): { pending: number; error?: Error } }): Promise<string> {
  const deadline = performance.now() + 120_000;
  while (res.getStatus().pending > 0) {
    if (performance.now() > deadline) return 'not confirmed within 120 s';
    await new Promise((r) => setTimeout(r, 5));
  }
  const error = res.getStatus().error;
  return error ? `refused: ${error.message.slice(0, 60)}` : 'confirmed';
}

await main();
