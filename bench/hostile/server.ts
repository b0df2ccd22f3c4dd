/**
 * The server under test for `pnpm bench hostile`, in its own process (its event loop is the one measured): a
 * braid server with fileStore on 127.0.0.1 and the resources of every row, an event-loop delay monitor, and a
 * tick written every TICK_MS to /tick for the honest subscriber. Talks to the bench over IPC; exits when told,
 * or when the bench goes away.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createBraidServer, fileStore, memoryStore } from '@braid-live/server';
import { defineSharedResources } from '../../apps/dashboard/server/sharedResources';
import { bigObject, bigString, items, TICK_MS } from './workload';

type Message =
  | { type: 'reset' }
  | { type: 'read' }
  | { type: 'fault' }
  | { type: 'history'; versions: number; bytes: number }
  | { type: 'exit' };

/** The store's fault-injection seam (from the server-bounds work); absent on older code: the row says so. */
async function faultSeam(): Promise<{ fs?: unknown; failNext?: (op: string, code: string) => void }> {
  try {
    const { faultyFs } = await import('../../packages/server/src/store/faultyFs');
    const faulty = faultyFs();
    return { fs: faulty.fs, failNext: (op, code) => faulty.failNext(op as 'datasync', code) };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'braid-bench-hostile-'));
  const seam = await faultSeam();
  const store = fileStore(dir, { ...(seam.fs ? { fs: seam.fs } : {}), onRepair: () => {} } as Parameters<
    typeof fileStore
  >[1]);
  const braid = createBraidServer({ store, onError: () => {} });
  braid.resource('/keys', { initial: bigObject(20_000) });
  braid.resource('/text', { initial: { s: bigString(1 << 20) } });
  braid.resource('/stale', { initial: { a: bigObject(1000) } });
  braid.resource('/plain/:row', { initial: { s: bigString(100), a: {} } });
  braid.resource('/many/:id', { initial: { n: 0 } });
  braid.resource('/doc64', { initial: { s: '' } });
  braid.resource('/big4', { initial: { s: '' } });
  braid.resource('/huge/:id', { initial: { s: '' } });
  braid.resource('/enospc', { initial: { items: [] as number[] } });
  braid.resource('/history', { initial: { s: '' } });
  braid.resource('/items', { initial: { items: items(200_000) } });
  defineSharedResources(braid);
  // The ticks live in memory (same process, same event loop): the honest subscriber measures the loop, not
  // the disk's fsync latency.
  const ticks = createBraidServer({ store: memoryStore(), onError: () => {} });
  ticks.resource('/tick', { initial: { n: 0 } });

  const server = http.createServer((req, res) =>
    req.url?.startsWith('/tick') ? ticks.handler(req, res) : braid.handler(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  let ticking = true;
  const tick = async () => {
    while (ticking) {
      await ticks.patch('/tick', (d: { n: number }) => void d.n++).catch(() => {});
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  };
  void tick();

  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The longest GC pause since the reset (a part of the loop delay no code of ours runs in), and its kind.
  let gc = { ms: 0, kind: '' };
  const GC_KINDS: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
      if (entry.duration > gc.ms) gc = { ms: entry.duration, kind: GC_KINDS[kind] ?? 'other' };
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const reply = (message: unknown) => process.send?.(message);
  // Under HOSTILE_PROF: when each measure began and every long task (a 1 ms timer's gaps), on the profile's
  // clock (µs), for reading the profile row by row.
  const marks = { resets: [] as number[], gaps: [] as { from: number; to: number }[] };
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let lastTick = nowUs();
  const gapTimer = process.env.HOSTILE_PROF
    ? setInterval(() => {
        const now = nowUs();
        if (now - lastTick > 15_000) marks.gaps.push({ from: lastTick, to: now });
        lastTick = now;
      }, 1)
    : undefined;

  process.on('message', async (message: Message) => {
    if (message.type === 'reset') {
      marks.resets.push(nowUs());
      delay.reset();
      gc = { ms: 0, kind: '' };
      reply({ type: 'reset' });
    } else if (message.type === 'read') {
      reply({
        type: 'read',
        maxDelayMs: delay.max / 1e6,
        maxGcMs: gc.ms,
        gcKind: gc.kind,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        openFiles: readdirSync('/proc/self/fd').length,
      });
    } else if (message.type === 'fault') {
      seam.failNext?.('datasync', 'ENOSPC');
      reply({ type: 'fault', injected: seam.failNext !== undefined });
    } else if (message.type === 'history') {
      // Versions written in the server (setup, not measured): a long history of big patches.
      // Each version rewrites the whole string (a different letter), so each patch is `bytes` long.
      for (let i = 0; i < message.versions; i++) {
        const text = String.fromCharCode(97 + (i % 26)).repeat(message.bytes);
        await braid.patch('/history', (d: { s: string }) => void (d.s = text));
      }
      reply({ type: 'history' });
    } else if (message.type === 'exit') {
      ticking = false;
      clearInterval(gapTimer);
      delay.disable();
      gcObserver.disconnect();
      await Promise.all([braid.close(), ticks.close()]);
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.on('exit', () => {
    if (!process.env.HOSTILE_PROF) return;
    mkdirSync(process.env.HOSTILE_PROF, { recursive: true });
    writeFileSync(join(process.env.HOSTILE_PROF, `marks.${process.pid}.json`), JSON.stringify(marks));
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port, pid: process.pid });
}

await main();
