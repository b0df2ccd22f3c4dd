// The Next.js App Router example (examples/next) as a user runs it: the packed packages installed outside the
// workspace (installExamples.ts), `next build` once, `next start` on 127.0.0.1, then driven with BraidClient like
// every other example and, in real chromium, edited on one page and watched live on another, with no hydration
// warning or error on either. Its own file so that the build and the browser run beside examples.test.ts.
import { join } from 'node:path';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { type Child, freePort, killChild, startChild, waitForOutput } from '../support/processes';
import { driveExample } from './driveExample';
import { installExamples } from './installExamples';

/** No child outlives the file, whatever happens to it. */
const CHILD_MAX_LIFE_MS = 480_000;

function nextEnv(): NodeJS.ProcessEnv {
  // Without NODE_OPTIONS: no @braid-live/source condition, the packages are the tarballs' dist. Without
  // NODE_ENV: vitest sets 'test', and next build and start choose 'production' themselves.
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  delete env.NODE_ENV;
  return env;
}

async function nextBuild(appDir: string): Promise<number> {
  const started = Date.now();
  const build = startChild(join(appDir, '../node_modules/.bin/next'), ['build'], {
    cwd: appDir,
    env: nextEnv(),
    maxLifeMs: CHILD_MAX_LIFE_MS,
  });
  const code = await build.exited;
  if (code !== 0) throw new Error(`next build exited with ${code}:\n${build.output()}`);
  return Date.now() - started;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Next.js example (App Router, route handler on braid.fetch)', { timeout: 90_000 }, () => {
  let server: Child | undefined;
  let base: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const { dir } = await installExamples();
    const appDir = join(dir, 'next');
    const buildMs = await nextBuild(appDir);
    console.log(`next build: ${(buildMs / 1000).toFixed(1)} s`);
    const port = await freePort();
    server = startChild(
      join(dir, 'node_modules/.bin/next'),
      ['start', '--hostname', '127.0.0.1', '--port', String(port)],
      { cwd: appDir, env: nextEnv(), maxLifeMs: CHILD_MAX_LIFE_MS },
    );
    await waitForOutput(server, /Ready in/, 30_000);
    base = `http://127.0.0.1:${port}`;
  }, 420_000); // next build takes ~15 s alone, ~90 s beside the whole suite on 2 cores

  afterAll(async () => {
    await browser?.close();
    await killChild(server);
  });

  it('subscribe, write, concurrent writers converge, resume after a cut, hostile requests refused', async () => {
    await driveExample(base);
    expect((await fetch(`${base}/api/doc`)).status).toBe(200);
  });

  it('the page renders the current value on the server (in the HTML, before any script runs)', async () => {
    const title = `server-read ${Date.now()}`;
    const put = await fetch(`${base}/api/doc`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title, items: ['first'] }),
    });
    expect(put.status).toBe(200);
    const html = await (await fetch(base)).text();
    expect(html).toContain(`value="${title}"`);
    expect(html).toContain('<li>first</li>');
  });

  it('in chromium: a page edits, a second page sees it live, no hydration warning or error', async () => {
    const put = await fetch(`${base}/api/doc`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'start', items: [] }),
    });
    expect(put.status).toBe(200);

    browser = await launchChromium();
    const problems: string[] = [];
    const open = async (name: string): Promise<Page> => {
      // Two contexts: two people, each with its own connections.
      const page = await (await browser!.newContext()).newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (message: ConsoleMessage) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          problems.push(`${name} console.${message.type()}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => problems.push(`${name} pageerror: ${error.message}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${name} ${response.status()} ${response.url()}`);
      });
      await page.goto(base);
      // The server-rendered value is there before the stream is; 'live' once hydrated and subscribed.
      await page.getByTestId('status').getByText('live').waitFor();
      return page;
    };
    const alice = await open('alice');
    const bob = await open('bob');
    expect(await bob.getByLabel('title').inputValue()).toBe('start');

    // Alice types (one patch per keystroke); Bob sees each edit arrive without reloading.
    const aliceTitle = alice.getByLabel('title');
    await aliceTitle.click();
    await aliceTitle.press('End');
    await aliceTitle.pressSequentially(' by alice');
    await until(
      async () => (await bob.getByLabel('title').inputValue()) === 'start by alice',
      'bob to see it',
    );

    // And the other way round, through the form.
    await bob.getByLabel('new item').fill('from bob');
    await bob.getByRole('button', { name: 'add' }).click();
    await alice.getByTestId('items').getByText('from bob').waitFor();

    // Both edits are the server's value too (not only the pages' optimistic state).
    await until(async () => {
      const doc = await (await fetch(`${base}/api/doc`)).json();
      return doc.title === 'start by alice' && doc.items.join() === 'from bob';
    }, 'the server to hold both edits');
    expect(problems).toEqual([]);
  });
});
