// Every example under examples/ started for real (its own process, 127.0.0.1) and driven with BraidClient.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, startChild, waitForOutput } from '../support/processes';
import { driveExample } from './driveExample';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const BIN = join(EXAMPLES, 'node_modules/.bin');
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');

/** How each example is started: Node ones through tsx, Bun and Deno with their own binaries (npm packages). */
const RUNTIMES: Record<string, [string, string[]]> = {
  'node-http': [TSX, ['node-http/server.ts']],
  express: [TSX, ['express/server.ts']],
  fastify: [TSX, ['fastify/server.ts']],
  'hono-node': [TSX, ['hono-node/server.ts']],
  bun: [join(BIN, 'bun'), ['--conditions=@braid-live/source', 'bun/server.ts']],
  // The workspace packages run from their TypeScript sources (the `@braid-live/source` export condition;
  // --sloppy-imports for their extensionless imports), as tsx does for the Node examples.
  deno: [
    join(BIN, 'deno'),
    [
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--sloppy-imports',
      '--conditions=@braid-live/source',
      'deno/server.ts',
    ],
  ],
};

let running: Child | undefined;
afterEach(async () => {
  running?.process.kill('SIGKILL');
  await running?.exited;
  running = undefined;
});

async function start(name: string): Promise<string> {
  const [command, args] = RUNTIMES[name];
  running = startChild(command, args, {
    cwd: EXAMPLES,
    env: { ...process.env, PORT: '0', NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    maxLifeMs: 120_000,
  });
  const [, url] = await waitForOutput(running, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
  return url;
}

describe('examples', () => {
  for (const name of Object.keys(RUNTIMES)) {
    it(`${name}: subscribe, write, concurrent writers converge, resume after a cut, hostile requests refused`, async () => {
      const base = await start(name);
      await driveExample(base);
      // The process is still fine afterwards.
      expect((await fetch(`${base}/api/doc`)).status).toBe(200);
    }, 90_000);
  }

  it('express and fastify keep their own routes (and parsed bodies) beside braid-live', async () => {
    for (const name of ['express', 'fastify']) {
      const base = await start(name);
      const echo = await fetch(`${base}/api/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await echo.json()).toEqual({ a: 1 });
      running?.process.kill('SIGKILL');
      await running?.exited;
    }
  }, 90_000);
});
