// The consumer test for one React version (issue #12): a user's create-vite react-ts app and Node server on the
// packed tarballs, outside the workspace. One npm install; then `tsc -b && vite build` and the two extra type
// checks run at once; then plain `node server.mjs` serves the built app and a fileStore resource to two chromium
// pages. Each React version is its own test file, so vitest runs them in parallel.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/packWorkspace.mjs';
import { launchChromium } from '../support/chromium';
import { watchConsole } from '../support/consoleErrors';
import { type Child, killChild, startChild, waitForOutput } from '../support/processes';
import {
  type CommandResult,
  type ConsumerApp,
  createConsumerApp,
  type ReactVersion,
  runCommand,
  userEnv,
} from './consumerApp';

/** No child outlives the test file, whatever happens. */
const CHILD_MAX_LIFE_MS = 300_000;
const PACKAGES = ['@braid-live/core', '@braid-live/react', '@braid-live/server'];

interface Note {
  title: string;
  items: string[];
}

/** Processes (pid and command line) whose working directory is inside `dir`, from /proc. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) {
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
      }
    } catch {} // gone meanwhile, or not ours to read
  }
  return found;
}

const failed = (r: CommandResult) => `exit ${r.code}:\n${r.output}`;

export function describeConsumerApp(react: ReactVersion, expectedReactVersion: RegExp): void {
  describe(`a create-vite react-ts app and a node server on the packed tarballs (${react.label})`, {
    timeout: 120_000,
  }, () => {
    const started = performance.now();
    let app: ConsumerApp;
    let build: Promise<CommandResult>;
    let nodeNext: Promise<CommandResult>;
    let libCheck: Promise<CommandResult>;
    let server: Child | undefined;
    let browser: Browser | undefined;
    const consoleErrors = watchConsole();
    const timings: string[] = [];

    const startServer = async (): Promise<string> => {
      server = startChild(process.execPath, ['server.mjs'], {
        cwd: app.dir,
        env: userEnv({ DATA_DIR: join(app.dir, 'data') }),
        maxLifeMs: CHILD_MAX_LIFE_MS,
      });
      const [, port] = await waitForOutput(server, /PORT (\d+)/, 20_000);
      return `http://127.0.0.1:${port}`;
    };

    beforeAll(async () => {
      app = await createConsumerApp(react);
      timings.push(
        `pack ${(app.packMs / 1000).toFixed(1)} s`,
        `npm install ${(app.installMs / 1000).toFixed(1)} s`,
      );
      const check = (project: string) =>
        runCommand(app.bin('tsc'), ['-p', project], { cwd: app.dir, timeoutMs: 120_000 });
      // The template's own build script, and the two extra checks, side by side.
      build = runCommand('npm', ['run', 'build'], { cwd: app.dir, timeoutMs: 180_000 });
      nodeNext = check('tsconfig.nodenext.json');
      libCheck = check('tsconfig.libcheck.json');
    }, 420_000);

    afterAll(async () => {
      await browser?.close();
      await killChild(server, 'SIGTERM');
      // Let the checks end (each is bounded) before the folder goes.
      await Promise.allSettled([build, nodeNext, libCheck].filter(Boolean));
      app?.dispose();
      timings.push(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
      console.log(`consumer test, ${react.label}: ${timings.join(', ')}`);
    });

    it('installs the tarballs as plain files outside the workspace (no links, no source condition)', () => {
      expect(realpathSync(app.dir).startsWith(realpathSync(ROOT))).toBe(false);
      for (const name of PACKAGES) {
        const installed = join(app.dir, 'node_modules', name);
        expect(lstatSync(installed).isSymbolicLink(), name).toBe(false);
        const manifest = readFileSync(join(installed, 'package.json'), 'utf8');
        expect(manifest, name).not.toContain('@braid-live/source');
        expect(manifest, name).not.toContain('workspace:');
        expect(existsSync(join(installed, 'src')), `${name} ships src/`).toBe(false);
        // What Node itself resolves from the project: the packed dist/, inside the project.
        const resolved = createRequire(join(app.dir, 'server.mjs')).resolve(name);
        expect(resolved).toBe(join(installed, 'dist', 'index.js'));
      }
      const reactManifest = JSON.parse(
        readFileSync(join(app.dir, 'node_modules/react/package.json'), 'utf8'),
      );
      expect(reactManifest.version).toMatch(expectedReactVersion);
    });

    it('passes its own `tsc -b && vite build` (erasableSyntaxOnly, verbatimModuleSyntax, noUncheckedIndexedAccess)', async () => {
      const result = await build;
      timings.push(`tsc -b && vite build ${(result.ms / 1000).toFixed(1)} s`);
      expect(result.code, failed(result)).toBe(0);
      expect(existsSync(join(app.dir, 'dist', 'index.html'))).toBe(true);
      // The multiplexer stays a chunk of its own through tsdown and vite: the page's entry does not carry it.
      const scripts = readdirSync(join(app.dir, 'dist', 'assets')).filter((f) => f.endsWith('.js'));
      const withMultiplexer = scripts.filter((f) =>
        readFileSync(join(app.dir, 'dist', 'assets', f), 'utf8').includes('Multiplex-Version'),
      );
      const entry = readFileSync(join(app.dir, 'dist', 'index.html'), 'utf8').match(
        /assets\/([^"]+\.js)/,
      )![1]!;
      expect(withMultiplexer).toHaveLength(1);
      expect(withMultiplexer).not.toContain(entry);
    });

    it('typechecks with moduleResolution NodeNext (app and server types)', async () => {
      const result = await nodeNext;
      expect(result.code, failed(result)).toBe(0);
    });

    it('typechecks with skipLibCheck false and exactOptionalPropertyTypes (every shipped .d.ts checked)', async () => {
      const result = await libCheck;
      expect(result.code, failed(result)).toBe(0);
    });

    it('plain `node server.mjs` serves a fileStore resource and the built app', async () => {
      expect((await build).code).toBe(0);
      const url = await startServer();
      const res = await fetch(`${url}/api/note`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ title: 'hello', items: [] });
      const page = await fetch(`${url}/`);
      expect(await page.text()).toContain('<div id="root">');
    });

    it('two chromium pages on the built app: an edit in one shows in the other', async () => {
      const url = `http://127.0.0.1:${server!.output().match(/PORT (\d+)/)![1]}`;
      browser = await launchChromium();
      const open = async (name: string): Promise<Page> => {
        const context = await browser!.newContext();
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        consoleErrors.watch(page, name);
        await page.goto(url);
        return page;
      };
      const [alice, bob] = await Promise.all([open('alice'), open('bob')]);
      for (const page of [alice, bob]) {
        // The suspended component resolved (Suspense without `use` on React 18), on the React we installed.
        await page.getByTestId('suspended-title').getByText('HELLO', { exact: true }).waitFor();
        expect(await page.getByTestId('react-version').textContent()).toMatch(expectedReactVersion);
        expect(await page.getByLabel('title').inputValue()).toBe('hello');
      }

      const aliceTitle = alice.getByLabel('title');
      await aliceTitle.click();
      await aliceTitle.press('End');
      await aliceTitle.pressSequentially(' world');
      await bob.waitForFunction(
        () => document.querySelector<HTMLInputElement>('input[aria-label="title"]')?.value === 'hello world',
      );
      await bob.getByTestId('suspended-title').getByText('HELLO WORLD', { exact: true }).waitFor();

      await bob.getByLabel('new item').fill('milk');
      await bob.getByRole('button', { name: 'add' }).click();
      await alice.getByTestId('first-item').getByText('milk', { exact: true }).waitFor();
      expect(await alice.getByTestId('item-count').textContent()).toBe('1');

      // The second resource moved both pages onto a multiplexer stream (the on-demand chunk, from dist/).
      await bob.getByTestId('clicks').getByText('0', { exact: true }).waitFor();
      await alice.getByTestId('click').click();
      await alice.getByTestId('clicks').getByText('1', { exact: true }).waitFor();
      await alice.getByTestId('click').click();
      await bob.getByTestId('clicks').getByText('2', { exact: true }).waitFor();
      const stats = (await (await fetch(`${url}/stats`)).json()) as { multiplexers: number };
      expect(stats.multiplexers).toBe(2);

      for (const page of [alice, bob]) await page.getByText('live · 0 pending').waitFor();
      const res = await fetch(`${url}/api/note`);
      expect((await res.json()) as Note).toEqual({ title: 'hello world', items: ['milk'] });
      expect(await (await fetch(`${url}/api/clicks`)).json()).toEqual({ count: 2 });
      expect(consoleErrors.unexpected()).toEqual([]);
    });

    it('the fileStore keeps the edits across a restart of node server.mjs', async () => {
      await killChild(server, 'SIGTERM');
      const url = await startServer();
      const res = await fetch(`${url}/api/note`);
      expect(await res.json()).toEqual({ title: 'hello world', items: ['milk'] });
    });

    it('leaves no process behind (server, npm, compilers: nothing runs in the project folder)', async () => {
      await browser?.close();
      browser = undefined;
      await killChild(server, 'SIGTERM');
      await Promise.all([build, nodeNext, libCheck]);
      expect(processesIn(realpathSync(app.dir))).toEqual([]);
    });
  });
}
