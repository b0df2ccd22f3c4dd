// The client side of a typed resource: `client.resource(token)` (core) against a real server on 127.0.0.1
// whose schema refuses a write. The refusal reaches the client as a typed BraidError (kind 'rejected',
// status 422, the schema's issues in its message) and the optimistic value rolls back: never a silent drop.
import { BraidClient, BraidError, defineResource } from '@braid-live/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryStore } from '../src/index';
import { eventually, type RunningBraid, startBraid } from './helpers/server';

const Note = z.object({ text: z.string().max(10, 'at most 10 characters'), done: z.boolean() });
const note = defineResource('/note', Note);
const notes = defineResource('/notes/:id', Note);

let running: RunningBraid | undefined;
let client: BraidClient | undefined;
afterEach(async () => {
  client?.close();
  await running?.stop();
});

async function start() {
  running = await startBraid({ store: memoryStore() }, (b) =>
    b
      .resource(note, { initial: { text: 'first', done: false } })
      .resource(notes, { initial: (params) => ({ text: params.id, done: false }) }),
  );
  client = new BraidClient({ baseUrl: running.origin, gracePeriodMs: 50 });
  return { braid: running.braid, client };
}

describe('client.resource(token)', () => {
  it('is the resource at the token’s path; a refused write is a BraidError with the schema’s reason', async () => {
    const { braid, client } = await start();
    const resource = client.resource(note);
    expect(resource).toBe(client.resource('/note'));
    const errors: BraidError[] = [];
    resource.onError((error) => errors.push(error));
    const stop = resource.subscribe(() => {});
    await resource.ready;
    expect(resource.getSnapshot()).toEqual({ text: 'first', done: false });

    const refused = resource.set((d) => {
      d.text = 'far too long for it';
    });
    expect(resource.getSnapshot()?.text).toBe('far too long for it'); // shown at once…
    // `await set(...)` rejects with the same error.
    await expect(refused).rejects.toMatchObject({ kind: 'rejected', status: 422 });
    await eventually(() => errors.length > 0, 5000, 'the refusal');
    const [error] = errors;
    expect(error).toBeInstanceOf(BraidError);
    expect(error.kind).toBe('rejected');
    expect(error.status).toBe(422);
    expect(error.message).toContain('text: at most 10 characters');
    // …and rolled back, on both sides.
    await eventually(() => resource.getStatus().pending === 0, 5000, 'nothing pending');
    expect(resource.getSnapshot()).toEqual({ text: 'first', done: false });
    expect(resource.getStatus().error?.status).toBe(422);
    expect((await braid.get(note)).value).toEqual({ text: 'first', done: false });

    await resource.set((d) => {
      d.done = true;
    });
    expect((await braid.get(note)).value.done).toBe(true);
    stop();
  });

  it('a pattern names its members with .at(); the pattern itself is refused with what to do', async () => {
    const { client, braid } = await start();
    expect(() => client.resource(notes as never)).toThrow(
      /"\/notes\/:id" is a path pattern.*\.at\(\{ id: … \}\)/,
    );
    const member = client.resource(notes.at({ id: 'x-y' }));
    expect(member.url).toBe(`${running!.origin}/notes/x-y`);
    const stop = member.subscribe(() => {});
    await member.ready;
    expect(member.getSnapshot()).toEqual({ text: 'x-y', done: false });
    member.set({ text: 'ok', done: true });
    await eventually(
      async () => (await braid.get(notes.at({ id: 'x-y' }))).value.text === 'ok',
      5000,
      'write',
    );
    stop();
  });
});

describe('defineResource', () => {
  it('.at() encodes each parameter into its segment and refuses values a URL would rewrite', () => {
    const pair = defineResource<{ n: number }, '/a/:x/b/:y'>('/a/:x/b/:y');
    expect(pair.params).toEqual(['x', 'y']);
    expect(pair.at({ x: 'hello world', y: 7 }).path).toBe('/a/hello%20world/b/7');
    expect(pair.at({ x: 'é?#', y: 'z' }).path).toBe('/a/%C3%A9%3F%23/b/z');
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\nb'])
      expect(() => pair.at({ x: bad, y: 1 })).toThrow(/parameter "x" must be/);
    expect(() => pair.at({ x: 'a' } as never)).toThrow(/parameter "y" must be/);
    expect(() => pair.at({ x: 'a', y: Number.NaN })).toThrow(/parameter "y" must be/);
    expect(pair.path('/a/1/b/2').path).toBe('/a/1/b/2');
    expect(() => pair.path('/a/1/c/2')).toThrow(/is not a path of the pattern/);
    expect(() => pair.path('/a/1/b')).toThrow(/is not a path of the pattern/);
    expect(() => defineResource('no-slash')).toThrow(/must start with "\/"/);
    expect(() => defineResource('/a?b=1')).toThrow(/query or fragment/);
    const exact = defineResource('/exact');
    expect(exact).toEqual({ kind: 'resource', path: '/exact', schema: undefined });
    expect(Object.isFrozen(exact)).toBe(true);
  });
});
