// Every example under examples/ started for real (its own process, 127.0.0.1) and driven with BraidClient,
// from a copy of examples/ outside the workspace that installed the PACKED packages (installExamples.ts): what
// runs is what a user's project would run. The Next.js example has its own file (next.test.ts), so that its
// build and browser run in parallel with this one.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startChild, waitForOutput } from '../support/processes';
import { driveExample } from './driveExample';
import { installExamples, runtimeBinary } from './installExamples';

// `node --import tsx`, not the tsx command: that one runs the server in a child process of its own, which
// killing the command would leave behind.
const TSX_LOADER = pathToFileURL(join(import.meta.dirname, '../../node_modules/tsx/dist/loader.mjs')).href;
const node = (file: string): [string, string[]] => [process.execPath, ['--import', TSX_LOADER, file]];

/** How each example is started: Node ones through tsx, Bun and Deno with their own binaries (npm packages). */
const RUNTIMES: Record<string, [string, string[]]> = {
  'node-http': node('node-http/server.ts'),
  express: node('express/server.ts'),
  fastify: node('fastify/server.ts'),
  'hono-node': node('hono-node/server.ts'),
  // Both resolve @braid-live/server from the project's node_modules (the tarball's dist), as for Node.
  bun: [runtimeBinary('bun'), ['bun/server.ts']],
  deno: [runtimeBinary('deno'), ['run', '--allow-net', '--allow-env', '--allow-read', 'deno/server.ts']],
};

let examplesDir: string;
beforeAll(async () => {
  examplesDir = (await installExamples()).dir;
});

let running: Child | undefined;
afterEach(async () => {
  running?.process.kill('SIGKILL');
  await running?.exited;
  running = undefined;
});

async function start(name: string): Promise<string> {
  const [command, args] = RUNTIMES[name];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  delete env.NODE_OPTIONS; // no @braid-live/source condition: the packages are the tarballs' dist
  running = startChild(command, args, { cwd: examplesDir, env, maxLifeMs: 120_000 });
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
