// The real client state machine (OptimisticState) against an in-memory server, with random interleavings of
// edits, sends, server steps, deliveries, acks, rejections and reconnects that resume from a snapshot.
import { describe, expect, it } from 'vitest';
import { int, randomDoc, randomPatch, rng } from '../../test/random';
import { applyJsonPatches, type JsonPatch, transformPatches } from '../protocol/index';
import { applyWriteEvent, OptimisticState } from './OptimisticState';

interface Version {
  id: string;
  patches: JsonPatch[];
}

function run(seed: number) {
  const r = rng(seed);
  let value: unknown = randomDoc(r);
  const history: Version[] = [{ id: 'v0', patches: [] }];
  const clients = [0, 1, 2].map(() => {
    const state = new OptimisticState();
    state.receiveSnapshot(['v0'], value);
    return { state, inbox: [] as Version[], responses: [] as { id: string; ok: boolean }[], seq: 0 };
  });
  const toServer: { client: number; id: string; parents: string; patches: JsonPatch[] }[] = [];
  let rejections = 0;
  let snapshots = 0;

  const serve = () => {
    const w = toServer.shift()!;
    const c = clients[w.client];
    if (history.some((v) => v.id === w.id)) return c.responses.push({ id: w.id, ok: true }); // duplicate
    if (r() < 0.08) {
      rejections++;
      return c.responses.push({ id: w.id, ok: false });
    }
    const at = history.findIndex((v) => v.id === w.parents);
    let patches = w.patches;
    for (const v of history.slice(at + 1)) patches = transformPatches(patches, v.patches, true);
    value = applyJsonPatches(value, patches);
    history.push({ id: w.id, patches });
    for (const client of clients) client.inbox.push({ id: w.id, patches });
    c.responses.push({ id: w.id, ok: true });
  };
  const check = (s: OptimisticState) => {
    const expected = applyJsonPatches(
      applyJsonPatches(s.confirmed!.value, s.inflight?.patches ?? []),
      s.buffer,
    );
    expect(s.view).toEqual(expected);
  };
  const respond = (c: (typeof clients)[number]) => {
    const res = c.responses.shift()!;
    if (c.state.inflight?.id !== res.id) return;
    if (res.ok) applyWriteEvent(c.state.inflight, { type: 'ok' });
    else c.state.rejectInflight();
  };
  const reconnect = (c: (typeof clients)[number]) => {
    // Settle the write in doubt first (as Resource does), then take a snapshot of the head.
    while (c.state.inflight && c.state.inflight.phase !== 'acked') {
      if (c.responses.length) respond(c);
      else if (toServer.length) serve();
      else
        toServer.push({
          client: clients.indexOf(c),
          id: c.state.inflight.id,
          parents: c.state.confirmed!.version[0],
          patches: c.state.inflight.patches,
        });
    }
    c.inbox = [];
    c.state.receiveSnapshot([history[history.length - 1].id], value);
    snapshots++;
    // A re-based unacked write would go again; acked ones are part of the snapshot.
  };

  for (let step = 0; step < 400; step++) {
    const i = int(r, clients.length);
    const c = clients[i];
    const roll = int(r, 20);
    if (roll < 7) {
      const patch = randomPatch(r, c.state.view);
      c.state.localEdit(applyJsonPatches(c.state.view, [patch]), [patch]);
    } else if (roll < 10) {
      const w = c.state.takeWrite(() => `c${i}-${++c.seq}`);
      if (w)
        toServer.push({ client: i, id: w.id, parents: c.state.confirmed!.version[0], patches: w.patches });
    } else if (roll < 13 && toServer.length) serve();
    else if (roll < 15 && c.responses.length) respond(c);
    else if (roll === 15) reconnect(c);
    else if (c.inbox.length) c.state.receivePatches([c.inbox[0].id], c.inbox.shift()!.patches);
    check(c.state);
  }
  // Drain.
  for (let guard = 0; guard < 1000; guard++) {
    clients.forEach((c, i) => {
      const w = c.state.takeWrite(() => `c${i}-${++c.seq}`);
      if (w)
        toServer.push({ client: i, id: w.id, parents: c.state.confirmed!.version[0], patches: w.patches });
    });
    while (toServer.length) serve();
    for (const c of clients) {
      while (c.inbox.length) c.state.receivePatches([c.inbox[0].id], c.inbox.shift()!.patches);
      while (c.responses.length) respond(c);
      check(c.state);
    }
    if (clients.every((c) => !c.state.inflight && c.state.buffer.length === 0) && !toServer.length) break;
  }
  return { value, clients, rejections, snapshots, history };
}

describe('OptimisticState against an in-memory server', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 100))(
    'converges with seed %i (acks, rejections, snapshot resumes)',
    (seed) => {
      const { value, clients, history } = run(seed);
      for (const c of clients) {
        expect(c.state.view).toEqual(value);
        expect(c.state.pending).toBe(0);
      }
      expect(history.length).toBeGreaterThan(5);
    },
  );

  it('exercises rejections and snapshot resumes across the seeds', () => {
    let rejections = 0;
    let snapshots = 0;
    for (let seed = 100; seed < 140; seed++) {
      const result = run(seed);
      rejections += result.rejections;
      snapshots += result.snapshots;
    }
    expect(rejections).toBeGreaterThan(20);
    expect(snapshots).toBeGreaterThan(20);
  });

  it('a rejected write rolls back while later local edits stay', () => {
    const s = new OptimisticState();
    s.receiveSnapshot(['v0'], { a: 1, list: [1, 2] });
    s.localEdit({ a: 2, list: [1, 2] }, [{ range: '.a', content: 2 }]);
    s.takeWrite(() => 'me-1');
    s.localEdit({ a: 2, list: [1, 2, 3] }, [{ range: '.list[2:2]', content: [3] }]);
    s.rejectInflight();
    expect(s.view).toEqual({ a: 1, list: [1, 2, 3] });
    expect(s.pending).toBe(1);
  });
});
