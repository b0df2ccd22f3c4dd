import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningBraid, startBraid } from './helpers/server';

// `?history` answers one bounded page (100 versions by default), newest first, with a Link to the next
// (older) one; `limit` and `before` pick the page.

let server: RunningBraid;
const VERSIONS = 150;

beforeAll(async () => {
  server = await startBraid({}, (braid) => braid.resource('/doc', { initial: { n: 0 } }));
  for (let i = 1; i <= VERSIONS; i++) {
    const res = await fetch(`${server.origin}/doc`, {
      method: 'PUT',
      headers: { Version: `"v${i}"`, 'Content-Range': 'json .n' },
      body: String(i),
    });
    expect(res.status).toBe(200);
  }
});
afterAll(() => server.stop());

async function history(query: string) {
  const res = await fetch(`${server.origin}/doc?history${query}`);
  const text = await res.text();
  return {
    res,
    text,
    versions: res.ok ? (JSON.parse(text) as { version: string }[]).map((e) => e.version) : [],
  };
}

it('answers a default page of 100, newest first, and following Link rel=next lists every version once', async () => {
  const first = await history('');
  expect(first.versions).toHaveLength(100);
  expect(first.versions[0]).toBe(`v${VERSIONS}`);
  const seen = [...first.versions];
  let link = first.res.headers.get('link');
  while (link) {
    const [, next] = /^<\?history(&[^>]*)>; rel="next"$/.exec(link)!;
    const page = await history(next);
    seen.push(...page.versions);
    link = page.res.headers.get('link');
  }
  expect(seen).toStrictEqual(Array.from({ length: VERSIONS }, (_, i) => `v${VERSIONS - i}`));
});

it('takes limit and before', async () => {
  const page = await history('&limit=3&before=v10');
  expect(page.versions).toStrictEqual(['v9', 'v8', 'v7']);
  expect(page.res.headers.get('link')).toBe('<?history&limit=3&before=v7>; rel="next"');
  expect((await history('&limit=5&before=v3')).versions).toStrictEqual(['v2', 'v1']);
});

it('refuses a limit past maxHistoryPageSize (400) and a before not in memory (410)', async () => {
  const tooMany = await history('&limit=1001');
  expect(tooMany.res.status).toBe(400);
  expect(tooMany.text).toMatch(/limit/);
  const gone = await history('&before=nope');
  expect(gone.res.status).toBe(410);
});
