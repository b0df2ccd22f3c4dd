import { afterEach, describe, expect, it } from 'vitest';
import { rawExchange, rawRequest, request } from './helpers/rawHttp';
import { openRawStream } from './helpers/rawMultiplexStream';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, startBraid } from './helpers/server';

// A resumed subscription gets the versions after its Parents as they were sent (not joined into one copy
// first): many small ones and big ones, over a plain response and through a multiplexer.

const running: RunningBraid[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

const MUX = { 'Multiplex-Version': '1.0' };

/**
 * 40 small versions and 2 of 300 KB between them, after version "v0", on a 1 MB document (so that the
 * catch-up is smaller than the snapshot, which would replace it).
 */
async function serverWithHistory() {
  const server = await startBraid({}, (braid) =>
    braid.resource('/doc', { initial: { s: 'x'.repeat(1_000_000), t: '', n: 0 } }),
  );
  running.push(server);
  const put = (version: string, range: string, content: string) =>
    rawRequest(
      server.port,
      request('PUT', '/doc', { Version: `"${version}"`, 'Content-Range': `json ${range}` }, content),
    );
  expect((await put('v0', '.n', '0')).status).toBe(200);
  const versions: string[] = [];
  for (let i = 1; i <= 42; i++) {
    const big = i === 10 || i === 30;
    const answer = big
      ? await put(`v${i}`, '.t', JSON.stringify(String(i % 10).repeat(300_000)))
      : await put(`v${i}`, '.n', String(i));
    expect(answer.status).toBe(200);
    versions.push(`v${i}`);
  }
  return { server, versions };
}

describe('catch-up after Parents', () => {
  it('over a plain subscription: every version after Parents, in order', async () => {
    const { server, versions } = await serverWithHistory();
    const resumed = await RawSubscriber.open(server.port, '/doc', { Parents: '"v0"' });
    cleanups.push(() => resumed.close());
    await resumed.waitForUpdates(versions.length);
    expect(resumed.updates.map((u) => u.version[0])).toEqual(versions);
    expect(resumed.updates.map((u) => u.parents[0])).toEqual(['v0', ...versions.slice(0, -1)]);
  });

  it('through a multiplexer: every version after Parents, in order', async () => {
    const { server, versions } = await serverWithHistory();
    const mux = await openRawStream(server.port, request('POST', '/.well-known/multiplexer/m1', MUX));
    cleanups.push(() => void mux.close());
    const [answer] = await rawExchange(
      server.port,
      request('GET', '/doc', {
        Subscribe: 'true',
        Parents: '"v0"',
        ...MUX,
        'Multiplex-Through': '/.well-known/multiplexer/m1/a',
      }),
    );
    expect(answer.status).toBe(293);
    const responses = await mux.demuxed((r) => (r.get('a')?.updates.length ?? 0) >= versions.length);
    const updates = responses.get('a')!.updates;
    expect(updates.map((u) => u.version?.[0])).toEqual(versions);
    const big = updates.filter((u) => u.version?.[0] === 'v30')[0]; // (its 300 KB patch, intact)
    expect(Buffer.from(big.patches![0].content).toString()).toBe(JSON.stringify('0'.repeat(300_000)));
  });
});
