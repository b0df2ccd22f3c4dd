import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBraid, startBraid } from './helpers/server';

// The per-write budget (patch count, patch bytes, estimated apply work) is checked before any work, so a
// refused write never reaches apply or `validate`; the document size bound is checked on every write. Each
// refusal says why and changes nothing.

const WIDE_KEYS = 5000;
let server: RunningBraid;
let small: RunningBraid;
let validated = 0;

beforeAll(async () => {
  const wide: Record<string, number> = {};
  for (let i = 0; i < WIDE_KEYS; i++) wide[`k${i}`] = i;
  server = await startBraid({ limits: { maxPatchBytes: 2000, maxWriteWork: 4000 } }, (braid) => {
    braid.resource('/wide', {
      initial: { wide, small: { a: 1 } },
      validate: () => {
        validated++;
        return true;
      },
    });
  });
  small = await startBraid({ limits: { maxDocumentBytes: 3000 } }, (braid) => {
    braid.resource('/doc', { initial: { list: [] as string[] } });
  });
});
afterAll(() => Promise.all([server.stop(), small.stop()]));
beforeEach(() => {
  validated = 0;
});

function put(path: string, headers: Record<string, string>, body: string) {
  const origin = path === '/doc' ? small.origin : server.origin;
  return fetch(`${origin}${path}`, { method: 'PUT', headers, body });
}

function patchesBody(patches: { range: string; content: unknown }[]): string {
  return patches
    .map(({ range, content }) => {
      const json = JSON.stringify(content);
      return `Content-Length: ${Buffer.byteLength(json)}\r\nContent-Range: json ${range}\r\n\r\n${json}\r\n`;
    })
    .join('');
}

async function expectRefused(res: Response, status: number, reason: RegExp) {
  expect(res.status).toBe(status);
  expect(await res.text()).toMatch(reason);
}

describe('per-write budget', () => {
  it('refuses a write whose patches carry more JSON than maxPatchBytes (413), before validate', async () => {
    const before = await server.braid.get('/wide');
    const patches = Array.from({ length: 10 }, (_, i) => ({
      range: `.small.p${i}`,
      content: 'x'.repeat(300),
    }));
    const res = await put('/wide', { Patches: '10' }, patchesBody(patches));
    await expectRefused(res, 413, /patches too large \(\d+ bytes of JSON; the limit is 2000\)/);
    expect(validated).toBe(0);
    expect((await server.braid.get('/wide')).version).toStrictEqual(before.version);
  });

  it('refuses a write that would copy a container wider than maxWriteWork (422), before validate', async () => {
    const before = await server.braid.get('/wide');
    const res = await put('/wide', { 'Content-Range': 'json .wide.k1' }, '7');
    await expectRefused(res, 422, /would cost too much to apply \(\d+ work units.*the limit is 4000\)/);
    expect(validated).toBe(0);
    expect((await server.braid.get('/wide')).version).toStrictEqual(before.version);
    expect(((await server.braid.get('/wide')).value as { wide: Record<string, number> }).wide.k1).toBe(1);
  });

  it('counts a container touched by many patches once, and accepts writes within the budget', async () => {
    const patches = Array.from({ length: 50 }, (_, i) => ({ range: `.small.s${i}`, content: i }));
    const res = await put('/wide', { Patches: '50' }, patchesBody(patches));
    expect(res.status).toBe(200);
    expect(validated).toBe(1);
    expect(((await server.braid.get('/wide')).value as { small: Record<string, number> }).small.s49).toBe(49);
  });
});

describe('maxWriteWork with the default limits', () => {
  // A thousand-key object costs hundreds of times more to copy than a thousand-character string: a write
  // that copies a hundred of them (100,000 keys, ~50 ms of copying) is refused although it is small.
  const OBJECTS = 100;
  const KEYS = 1000;
  let defaults: RunningBraid;
  let checked = 0;
  beforeAll(async () => {
    const many: Record<string, Record<string, number>> = {};
    for (let o = 0; o < OBJECTS; o++) {
      const object: Record<string, number> = {};
      for (let k = 0; k < KEYS; k++) object[`k${k}`] = k;
      many[`o${o}`] = object;
    }
    const flat: Record<string, number> = {};
    for (let k = 0; k < 20_000; k++) flat[`k${k}`] = k;
    defaults = await startBraid({}, (braid) => {
      braid.resource('/many', {
        initial: many,
        validate: () => {
          checked++;
          return true;
        },
      });
      braid.resource('/flat', { initial: flat });
    });
  });
  afterAll(() => defaults.stop());

  const putTo = (path: string, patches: { range: string; content: unknown }[]) =>
    fetch(`${defaults.origin}${path}`, {
      method: 'PUT',
      headers: { Patches: String(patches.length) },
      body: patchesBody(patches),
    });

  it('refuses a write copying many wide objects (422 with the reason), before validate and any change', async () => {
    const before = await defaults.braid.get('/many');
    const patches = Array.from({ length: OBJECTS }, (_, o) => ({ range: `.o${o}.k0`, content: -1 }));
    const res = await putTo('/many', patches);
    await expectRefused(res, 422, /would cost too much to apply \(\d+ work units.*an object's key as 256/);
    expect(checked).toBe(0);
    const after = await defaults.braid.get('/many');
    expect(after.version).toStrictEqual(before.version);
    expect((after.value as Record<string, Record<string, number>>).o0.k0).toBe(0);
    // The same change in writes of a few objects each is accepted.
    const res2 = await putTo('/many', patches.slice(0, 10));
    expect(res2.status).toBe(200);
    expect(checked).toBe(1);
  });

  it('accepts the honest wide write of the benchmarks: 1000 key patches onto a 20,000-key object', async () => {
    const patches = Array.from({ length: 1000 }, (_, i) => ({ range: `.k${i * 20}`, content: -i }));
    const res = await putTo('/flat', patches);
    expect(res.status).toBe(200);
    expect(((await defaults.braid.get('/flat')).value as Record<string, number>).k20).toBe(-1);
  });
});

describe('maxDocumentBytes', () => {
  it('refuses any write whose result would be larger (413), and accepts the ones that fit', async () => {
    const append = (item: string) =>
      put('/doc', { 'Content-Range': 'json .list[-0:-0]' }, JSON.stringify([item]));
    expect((await append('a'.repeat(1000))).status).toBe(200);
    expect((await append('b'.repeat(1000))).status).toBe(200);
    const before = await small.braid.get('/doc');
    await expectRefused(
      await append('c'.repeat(1000)),
      413,
      /document would be too large \(about \d+ bytes.*limit is 3000\)/,
    );
    // A whole-document write is measured the same way.
    await expectRefused(
      await put('/doc', {}, JSON.stringify({ list: ['d'.repeat(4000)] })),
      413,
      /too large/,
    );
    expect((await small.braid.get('/doc')).version).toStrictEqual(before.version);
    // Shrinking is fine, and then there is room again.
    expect((await put('/doc', { 'Content-Range': 'json .list[0:1]' }, '[]')).status).toBe(200);
    expect((await append('c'.repeat(1000))).status).toBe(200);
    const value = (await small.braid.get('/doc')).value as { list: string[] };
    expect(value.list.map((item) => item[0])).toStrictEqual(['b', 'c']);
  });

  it('bounds server-side writes too (braid.patch rejects with the reason)', async () => {
    await expect(
      small.braid.patch<{ list: string[] }>('/doc', (draft) => {
        draft.list.push('e'.repeat(5000));
      }),
    ).rejects.toThrow(/document would be too large/);
  });
});
