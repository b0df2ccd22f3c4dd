// Drives one running example with BraidClient the way its users would: subscribe, write, concurrent writers,
// a cut connection that resumes, hostile requests. Shared by every example's test (examples.test.ts).
import { BraidClient, type FetchLike } from '@braid-live/core';
import { expect } from 'vitest';

interface Doc {
  title: string;
  items: string[];
}

/** A fetch whose open subscription streams can be cut at will (the client must reconnect and resume). */
function cuttableFetch() {
  const open = new Set<AbortController>();
  const fetchLike: FetchLike = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('subscribe')) return fetch(input, init);
    const controller = new AbortController();
    open.add(controller);
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    return fetch(input, { ...init, signal });
  };
  return {
    fetch: fetchLike,
    cut() {
      for (const controller of open) controller.abort(new Error('cut by the test'));
      open.clear();
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function serverValue(base: string): Promise<{ version: string | null; value: Doc }> {
  const res = await fetch(`${base}/api/doc`);
  expect(res.status).toBe(200);
  return { version: res.headers.get('version'), value: (await res.json()) as Doc };
}

export async function driveExample(base: string): Promise<void> {
  const cutter = cuttableFetch();
  const a = new BraidClient({ baseUrl: base, fetch: cutter.fetch, retry: { baseMs: 50, maxMs: 300 } });
  const b = new BraidClient({ baseUrl: base });
  try {
    const docA = a.resource<Doc>('/api/doc');
    const docB = b.resource<Doc>('/api/doc');
    const statesOfA = new Set<string>();
    const stopA = docA.subscribe(() => statesOfA.add(docA.getStatus().state));
    const stopB = docB.subscribe(() => {});
    await Promise.all([docA.ready, docB.ready]);

    // Subscribe: the initial value, with a version (GET says the same).
    expect(docA.getSnapshot()).toEqual({ title: 'hello', items: [] });
    expect(docA.getStatus().state).toBe('live');

    // Write: confirmed, stored, seen live by the other client.
    docA.set((d) => {
      d.title = 'from a';
    });
    await until(() => docB.getSnapshot()?.title === 'from a', 'b to see a’s write');
    await until(() => docA.getStatus().pending === 0, 'a’s write to be confirmed');
    expect((await serverValue(base)).value.title).toBe('from a');

    // Concurrent writers converge: both push at once, every item kept, both equal to the server.
    for (let i = 0; i < 10; i++) {
      docA.set((d) => {
        d.items.push(`a${i}`);
      });
      docB.set((d) => {
        d.items.push(`b${i}`);
      });
    }
    await until(
      () => docA.getStatus().pending === 0 && docB.getStatus().pending === 0,
      'both writers confirmed',
    );
    const converged = (await serverValue(base)).value;
    await until(
      () =>
        JSON.stringify(docA.getSnapshot()) === JSON.stringify(converged) &&
        JSON.stringify(docB.getSnapshot()) === JSON.stringify(converged),
      'both replicas equal to the server',
    );
    expect([...converged.items].sort()).toEqual(
      [
        ...Array.from({ length: 10 }, (_, i) => `a${i}`),
        ...Array.from({ length: 10 }, (_, i) => `b${i}`),
      ].sort(),
    );

    // Resume after a cut: a's stream is cut, b writes meanwhile, a reconnects and catches up.
    statesOfA.clear();
    cutter.cut();
    docB.set((d) => {
      d.title = 'while a was cut';
    });
    await until(() => docA.getSnapshot()?.title === 'while a was cut', 'a to resume and catch up');
    await until(() => docA.getStatus().state === 'live', 'a live again');
    expect(statesOfA.has('reconnecting'), `a's states: ${[...statesOfA]}`).toBe(true);

    // A resume from a known version sends only what came after it (Parents on the first update, no snapshot).
    const before = (await serverValue(base)).version!;
    docB.set((d) => {
      d.items.push('after');
    });
    await until(() => docB.getStatus().pending === 0, 'b’s write confirmed');
    const resume = new AbortController();
    const res = await fetch(`${base}/api/doc`, {
      headers: { Subscribe: 'true', Parents: before },
      signal: resume.signal,
    });
    expect(res.status).toBe(209);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"after"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    resume.abort();
    expect(text).toMatch(/Parents: /i);
    expect(text).not.toContain('"title"');

    // Hostile requests get their 4xx and change nothing.
    const settled = await serverValue(base);
    const bad = [
      { init: { method: 'PUT', body: '{not json' }, status: 400 },
      { init: { method: 'PUT', headers: { 'Content-Range': 'json .__proto__.x' }, body: '1' }, status: 400 },
      { init: { method: 'PUT', body: '{"title": 5, "items": []}' }, status: 422 },
      {
        init: { method: 'PATCH', headers: { Parents: '"nope-1"' }, body: '{"title":"x","items":[]}' },
        status: 409,
      },
      { init: { method: 'DELETE' }, status: 405 },
    ];
    for (const { init, status } of bad) {
      const answer = await fetch(`${base}/api/doc`, init as RequestInit);
      expect(answer.status, `${init.method} ${JSON.stringify(init)}: ${await answer.clone().text()}`).toBe(
        status,
      );
      expect((await answer.text()).length).toBeGreaterThan(1);
    }
    expect(await serverValue(base)).toEqual(settled);

    stopA();
    stopB();
  } finally {
    a.close();
    b.close();
  }
}
