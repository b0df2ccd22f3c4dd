import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { reportedPort } from './helpers/childPort';
import { rawRequest, request } from './helpers/rawHttp';
import { sleep } from './helpers/server';

// A server process on a fileStore is killed with SIGKILL in the middle of a stream of writes. After a restart
// on the same directory, every acknowledged version is there, in order, and nothing else: only versions that
// were sent, and besides the acknowledged ones at most the one write per writer that was in flight.

const CHILD = fileURLToPath(new URL('./serverCrashChild.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'braid-live-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child server (compacting every few KB, so compactions happen during the stream too). */
async function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '4096'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const port = await reportedPort(child, 15_000, 'child').port;
  return { child, port };
}

const WRITERS = 3;

it('after SIGKILL mid-stream, every acknowledged version is there, in order, and nothing else', async () => {
  const { child, port } = await startChild();
  const sent: string[][] = Array.from({ length: WRITERS }, () => []);
  const acked: string[][] = Array.from({ length: WRITERS }, () => []);
  let killed = false;

  const writer = async (w: number) => {
    for (let n = 0; !killed; n++) {
      const version = `w${w}-${n}`;
      sent[w].push(version);
      try {
        // Append this write's own id to the log: the value then shows exactly which writes were applied.
        const res = await rawRequest(
          port,
          request(
            'PATCH',
            '/log',
            { Version: JSON.stringify(version), 'Content-Range': 'json .log[-0:-0]' },
            JSON.stringify([version]),
          ),
          5000,
        );
        if (res.status !== 200) throw new Error(`write ${version}: ${res.status} ${res.text}`);
        if (!killed) acked[w].push(version);
      } catch (error) {
        if (!killed) throw error;
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  // Let a stream of acknowledged writes build up, then kill the process mid-stream.
  while (acked.flat().length < 120) await sleep(10);
  killed = true;
  child.kill('SIGKILL');
  await Promise.all(writers);
  await new Promise((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(null) : child.once('exit', resolve),
  );

  const restarted = await startChild();
  try {
    const historyRes = await rawRequest(restarted.port, request('GET', '/log?history&limit=1000'));
    expect(historyRes.status).toBe(200);
    const history: { version: string }[] = JSON.parse(historyRes.text);
    const stored = history.map((e) => e.version).reverse();
    const value = JSON.parse((await rawRequest(restarted.port, request('GET', '/log'))).text);
    // The value is the history replayed, and each stored version appended its own id exactly once.
    expect(value.log).toEqual(stored);
    expect(new Set(stored).size).toBe(stored.length);

    for (let w = 0; w < WRITERS; w++) {
      const mine = stored.filter((v) => v.startsWith(`w${w}-`));
      // every acknowledged write is there, in the order it was made
      expect(mine.slice(0, acked[w].length)).toEqual(acked[w]);
      // and nothing else, except possibly the one write that was in flight when the process died
      const extra = mine.slice(acked[w].length);
      expect(extra.length).toBeLessThanOrEqual(1);
      if (extra.length) expect(extra[0]).toBe(sent[w][acked[w].length]);
    }
    // The restarted server keeps going from there.
    const next = await rawRequest(
      restarted.port,
      request('PATCH', '/log', { Version: '"after"', 'Content-Range': 'json .log[-0:-0]' }, '["after"]'),
    );
    expect(next.status).toBe(200);
  } finally {
    restarted.child.kill('SIGKILL');
  }
}, 60_000);
