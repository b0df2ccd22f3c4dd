// Typed resources with a Standard Schema (real zod 4 and valibot 1) on a real server on 127.0.0.1: every write
// — PUT, PATCH, braid.patch — is checked once, on the value its patches produce, before anything is stored;
// a failure is a 422 naming the schema's issues and changes nothing. The initial value is checked at startup.
import { defineResource, type StandardSchemaV1 } from '@braid-live/core/protocol';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryStore, ResourceError } from '../src/index';
import { createBraidServer } from '../src/server';
import { rawRequest, request } from './helpers/rawHttp';
import { RawSubscriber } from './helpers/rawSubscriber';
import { type RunningBraid, sleep, startBraid } from './helpers/server';

const Doc = z.object({
  title: z.string().min(1, 'title must not be empty'),
  count: z.number().int().nonnegative(),
  tags: z.array(z.string()),
});
type Doc = z.infer<typeof Doc>;
const initial: Doc = { title: 'hello', count: 0, tags: [] };

/** The schema, counting how often the server asks it (to show: once per write, not per patch). */
function counting<S extends StandardSchemaV1>(schema: S): { schema: S; calls: () => number } {
  let calls = 0;
  const props = schema['~standard'];
  const wrapped = {
    '~standard': {
      version: props.version,
      vendor: props.vendor,
      validate: (value: unknown) => {
        calls++;
        return props.validate(value);
      },
    },
  } as unknown as S;
  return { schema: wrapped, calls: () => calls };
}

let running: RunningBraid[] = [];
const subscribers: RawSubscriber[] = [];
afterEach(async () => {
  for (const s of subscribers.splice(0)) s.close();
  await Promise.all(running.map((r) => r.stop()));
  running = [];
});

async function start(setup: Parameters<typeof startBraid>[1], onError?: (error: unknown) => void) {
  const r = await startBraid({ store: memoryStore(), ...(onError ? { onError } : {}) }, setup);
  running.push(r);
  return r;
}

const put = (port: number, body: string, headers: Record<string, string> = {}, path = '/doc') =>
  rawRequest(port, request('PUT', path, { 'Content-Type': 'application/json', ...headers }, body));
const patch = (port: number, range: string, body: string, path = '/doc') =>
  rawRequest(port, request('PATCH', path, { 'Content-Range': `json ${range}` }, body));
const getJson = async (port: number, path = '/doc') =>
  JSON.parse((await rawRequest(port, request('GET', path))).text);

describe('a resource with a schema (zod)', () => {
  it('applies a conforming write and refuses one that does not: 422 with the issues, nothing changed', async () => {
    const doc = defineResource('/doc', Doc);
    const { port, braid } = await start((b) => b.resource(doc, { initial }));
    const sub = await RawSubscriber.open(port, '/doc');
    subscribers.push(sub);
    await sub.waitForUpdates(1);

    expect(
      (await put(port, JSON.stringify({ title: 'ok', count: 2, tags: ['a'] }), { Version: '"w1"' })).status,
    ).toBe(200);
    const bad = await put(port, JSON.stringify({ title: '', count: -1, tags: [3] }), { Version: '"w2"' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('does not match the schema');
    expect(bad.text).toContain('title: title must not be empty');
    expect(bad.text).toMatch(/count: .*(>=0|non-?negative|too small)/i);
    expect(bad.text).toMatch(/tags\.0: /);

    expect(await getJson(port)).toEqual({ title: 'ok', count: 2, tags: ['a'] });
    expect((await braid.history(doc)).map((entry) => entry.version)).toEqual(['w1']);
    // The refused version was never sent to subscribers, nor is its id taken.
    expect(
      (await put(port, JSON.stringify({ title: 'again', count: 3, tags: [] }), { Version: '"w3"' })).status,
    ).toBe(200);
    await sub.waitForVersion('w3');
    expect(sub.updates.map((u) => u.version.join())).not.toContain('w2');
    expect(sub.value).toEqual({ title: 'again', count: 3, tags: [] });
    expect(
      (await put(port, JSON.stringify({ title: 'w2 now', count: 4, tags: [] }), { Version: '"w2"' })).status,
    ).toBe(200);
  });

  it('validates the result of all the patches of a write, once: a write may pass through invalid states', async () => {
    const counted = counting(Doc);
    const doc = defineResource('/doc', counted.schema);
    const { port } = await start((b) => b.resource(doc, { initial }));
    await getJson(port); // loaded (the initial value is checked as it loads)
    const before = counted.calls();
    // Three patches: the first alone would leave an empty title (invalid), the last fixes it.
    const body =
      'Content-Range: json .title\r\nContent-Length: 2\r\n\r\n""\r\n' +
      'Content-Range: json .count\r\nContent-Length: 1\r\n\r\n7\r\n' +
      'Content-Range: json .title\r\nContent-Length: 5\r\n\r\n"new"\r\n';
    const res = await rawRequest(port, request('PATCH', '/doc', { Patches: '3' }, body));
    expect(res.status).toBe(200);
    expect(counted.calls() - before).toBe(1);
    expect(await getJson(port)).toEqual({ title: 'new', count: 7, tags: [] });

    const refused = await patch(port, '.tags[0:0]', '[1]');
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/tags\.0: /);
    expect(counted.calls() - before).toBe(2);
  });

  it('checks server-side writes too: braid.patch rejects with a ResourceError and changes nothing', async () => {
    const doc = defineResource('/doc', Doc);
    const { braid, port } = await start((b) => b.resource(doc, { initial }));
    await braid.patch(doc, (d) => {
      d.tags.push('kept');
    });
    const refused = braid.patch(doc, (d) => {
      d.count = 1.5;
    });
    await expect(refused).rejects.toBeInstanceOf(ResourceError);
    await expect(refused).rejects.toMatchObject({ code: 'rejected-by-validate' });
    await expect(refused).rejects.toThrow(/count: /);
    expect((await braid.get(doc)).value).toEqual({ title: 'hello', count: 0, tags: ['kept'] });
    expect(await getJson(port)).toEqual({ title: 'hello', count: 0, tags: ['kept'] });
  });

  it('refuses a write the schema would change (a default, a stripped key): the stored value is the typed one', async () => {
    const WithDefault = z.object({ title: z.string(), count: z.number().default(0) });
    const doc = defineResource('/doc', WithDefault);
    const { port } = await start((b) => b.resource(doc, { initial: { title: 'a', count: 1 } }));
    const missing = await put(port, '{"title":"b"}');
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('the schema changes the value at /count');
    const extra = await put(port, '{"title":"b","count":2,"extra":true}');
    expect(extra.status).toBe(422);
    expect(extra.text).toContain('at /extra');
    expect(await getJson(port)).toEqual({ title: 'a', count: 1 });
  });

  it('an async schema (zod async refinement) is awaited', async () => {
    let checks = 0;
    const Unique = Doc.refine(
      async (d) => {
        checks++;
        await sleep(5);
        return !d.tags.includes('taken');
      },
      { message: 'that tag is taken' },
    );
    const doc = defineResource('/doc', Unique);
    const { port, braid } = await start((b) => b.resource(doc, { initial }));
    expect((await patch(port, '.tags[0:0]', '["free"]')).status).toBe(200);
    const refused = await patch(port, '.tags[0:0]', '["taken"]');
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('that tag is taken');
    await expect(braid.patch(doc, (d) => void d.tags.push('taken'))).rejects.toThrow(/that tag is taken/);
    expect((await braid.get(doc)).value.tags).toEqual(['free']);
    expect(checks).toBeGreaterThanOrEqual(3);
  });

  it('a schema on a plain path, in options.schema, works the same', async () => {
    const { port } = await start((b) => b.resource('/doc', { initial, schema: Doc }));
    expect((await put(port, '{"title":1}')).status).toBe(422);
    expect(await getJson(port)).toEqual(initial);
  });
});

describe('a resource with a schema (valibot)', () => {
  it('refuses with valibot messages, sync and async', async () => {
    const Settings = v.object({
      theme: v.picklist(['light', 'dark']),
      size: v.pipe(v.number(), v.maxValue(40)),
    });
    const AsyncSettings = v.pipeAsync(
      Settings,
      v.checkAsync(async (s) => s.size !== 13, 'unlucky size'),
    );
    const settings = defineResource('/settings', Settings);
    const checked = defineResource('/checked', AsyncSettings);
    const { port } = await start((b) =>
      b.resource(settings, { initial: { theme: 'light', size: 12 } }).resource(checked, {
        initial: { theme: 'dark', size: 10 },
      }),
    );
    const bad = await put(port, '{"theme":"blue","size":50}', {}, '/settings');
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/theme: .*light.*dark/);
    expect(bad.text).toMatch(/size: .*40/);
    expect((await put(port, '{"theme":"dark","size":20}', {}, '/settings')).status).toBe(200);
    const unlucky = await patch(port, '.size', '13', '/checked');
    expect(unlucky.status).toBe(422);
    expect(unlucky.text).toContain('unlucky size');
    expect(await getJson(port, '/checked')).toEqual({ theme: 'dark', size: 10 });
  });
});

describe('path patterns', () => {
  it('defineResource("/docs/:id", schema) serves every member; .at() and .path() name one', async () => {
    const docs = defineResource('/docs/:id', Doc);
    const { port, braid } = await start((b) =>
      b.resource(docs, { initial: (params) => ({ title: `doc ${params.id}`, count: 0, tags: [] }) }),
    );
    expect(await getJson(port, '/docs/a%20b')).toEqual({ title: 'doc a b', count: 0, tags: [] });
    expect((await put(port, '{"title":""}', {}, '/docs/a%20b')).status).toBe(422);
    await braid.patch(docs.at({ id: 'a b' }), (d) => {
      d.count = 5;
    });
    expect((await braid.get(docs.path('/docs/a%20b'))).value.count).toBe(5);
    await expect(braid.patch(docs.at({ id: 'a b' }), (d) => void (d.count = -5))).rejects.toThrow(/count: /);
    // The pattern itself is no resource: a clear error, not a 404 or a write to "/docs/:id".
    await expect(braid.patch(docs as never, () => {})).rejects.toThrow(
      /is a path pattern.*\.at\(\{ id: … \}\)/,
    );
  });

  it('an initial function of the params is checked per path as it loads: a bad one fails that path only', async () => {
    const errors: string[] = [];
    const docs = defineResource('/docs/:id', Doc);
    const { port } = await start(
      (b) =>
        b.resource(docs, {
          initial: (params) => ({ title: params.id === 'empty' ? '' : params.id, count: 0, tags: [] }),
        }),
      (error) => errors.push(String(error)),
    );
    expect(await getJson(port, '/docs/fine')).toEqual({ title: 'fine', count: 0, tags: [] });
    const broken = await rawRequest(port, request('GET', '/docs/empty'));
    expect(broken.status).toBe(500);
    expect(errors.join('\n')).toContain(
      'the initial value does not match the schema: title: title must not be empty',
    );
  });
});

describe('the initial value', () => {
  it('a sync schema that refuses it throws at braid.resource, and defines nothing', async () => {
    const braid = createBraidServer({ store: memoryStore() });
    const doc = defineResource('/doc', Doc);
    expect(() => braid.resource(doc, { initial: { title: '', count: 0, tags: [] } })).toThrow(
      /braid\.resource\("\/doc"\): the initial value does not match the schema: title: title must not be empty/,
    );
    await expect(braid.get('/doc')).rejects.toThrow(/no resource at "\/doc"/);
    // Defined correctly afterwards: it works.
    braid.resource(doc, { initial });
    expect((await braid.get(doc)).value).toEqual(initial);
    await braid.close();
  });

  it('an async schema that refuses it fails the load: reported at startup, requests answered 500', async () => {
    const errors: string[] = [];
    const Async = Doc.refine(async (d) => d.count > 0, { message: 'count must be positive' });
    const { port } = await start(
      (b) => b.resource(defineResource('/doc', Async), { initial }),
      (error) => errors.push(String(error)),
    );
    // The exact path started loading when it was defined: the failure is reported without any request.
    for (let i = 0; i < 100 && errors.length === 0; i++) await sleep(10);
    expect(errors.join('\n')).toContain(
      'the initial value does not match the schema: count must be positive',
    );
    expect((await rawRequest(port, request('GET', '/doc'))).status).toBe(500);
  });

  it('refuses what is no schema, and a second schema beside a token’s', () => {
    const braid = createBraidServer({ store: memoryStore() });
    expect(() =>
      braid.resource('/x', {
        initial: 1,
        schema: { parse: () => 1 } as unknown as StandardSchemaV1<unknown, number>,
      }),
    ).toThrow(/no Standard Schema v1 interface/);
    expect(() => braid.resource(defineResource('/y', Doc), { initial, schema: z.any() } as never)).toThrow(
      /the token has a schema already/,
    );
    expect(() => defineResource('/z', { parse: () => 1 } as never)).toThrow(
      /no Standard Schema v1 interface/,
    );
    void braid.close();
  });
});
