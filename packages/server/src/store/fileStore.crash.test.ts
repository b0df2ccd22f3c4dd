import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStore } from './fileStore';
import { sampleRecord, sampleRecords } from './testRecords';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../test/storeCrashChild.ts', import.meta.url));
const TAGS = ['a', 'b'];
const ACKING_MS = 300;
const HARD_LIMIT_MS = 9_000; // the child exits by itself after 10 s

interface ChildRun {
  acked: Map<string, number[]>;
  stderr: string;
  signal: NodeJS.Signals | null;
}

/** Runs the child, SIGKILLs it ~300 ms after every resource has an ack (or after 9 s in any case). */
function runAndKill(dir: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<string, number[]>(TAGS.map((tag) => [tag, []]));
    let stdout = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    const hardLimit = setTimeout(kill, HARD_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // Under load one resource's first ack (its log is created first) can come much later than the other's.
      if (TAGS.every((tag) => stdout.includes(`${tag} `))) killTimer ??= setTimeout(kill, ACKING_MS);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(hardLimit);
      clearTimeout(killTimer);
      // Only whole lines count as acks (a line is written with one write to a pipe, so none is split).
      for (const line of stdout.split('\n').slice(0, -1)) {
        const [tag, index] = line.split(' ');
        acked.get(tag)!.push(Number(index));
      }
      resolve({ acked, stderr, signal });
    });
  });
}

describe('fileStore after a SIGKILL', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-store-crash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append, in order, with nothing but a prefix of what was written', async () => {
    for (let run = 0; run < 3; run++) {
      const { acked, stderr, signal } = await runAndKill(dir);
      expect(signal, stderr).toBe('SIGKILL');
      expect(stderr).toBe('');

      const store = fileStore(dir, { onRepair: () => {} });
      for (const tag of TAGS) {
        const path = `/crash/${tag}`;
        const acks = acked.get(tag)!;
        expect(acks.length, `no acks for ${tag} in run ${run}`).toBeGreaterThan(0);
        // Acks of one resource come in append order.
        expect(acks).toEqual([...acks].sort((x, y) => x - y));
        const { records } = (await store.load(path))!;
        // The loaded history is a prefix of the child's append sequence that includes every ack.
        expect(records.length).toBeGreaterThan(acks.at(-1)!);
        expect(records).toStrictEqual(sampleRecords(records.length, tag));
        // The log stays usable: the next append lands and reads back.
        await store.append(path, sampleRecord(records.length, tag));
      }
      await store.close();
      // The child always writes from index 0: start each run from an empty dir.
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
