// A simulated server and three clients running the client scheme of DESIGN.md section 5 in memory, with random
// interleavings of local edits, sends, server steps and deliveries: every client must end equal to the server.
import { describe, expect, it } from 'vitest';
import { int, type Rng, randomDoc, randomPatch, rng } from '../../test/random';
import { applyJsonPatches } from './applyJsonPatch';
import { transformPatches, transformPatchLists } from './transform';
import type { JsonPatch } from './types';

interface Version {
  id: string;
  patches: JsonPatch[];
}
interface Write {
  client: number;
  id: string;
  parents: string;
  patches: JsonPatch[];
}

class Server {
  history: Version[] = [{ id: 'v0', patches: [] }];
  constructor(public value: unknown) {}
  receive(w: Write): Version {
    const at = this.history.findIndex((v) => v.id === w.parents);
    if (at < 0) throw new Error(`unknown parents ${w.parents}`);
    let patches = w.patches;
    for (const v of this.history.slice(at + 1)) patches = transformPatches(patches, v.patches, true);
    this.value = applyJsonPatches(this.value, patches);
    const version = { id: w.id, patches };
    this.history.push(version);
    return version;
  }
}

class Client {
  confirmed: { version: string; value: unknown };
  inflight: { id: string; patches: JsonPatch[] } | null = null;
  buffer: JsonPatch[] = [];
  view: unknown;
  sent = 0;
  inbox: Version[] = [];
  constructor(
    public n: number,
    value: unknown,
  ) {
    this.confirmed = { version: 'v0', value };
    this.view = value;
  }
  edit(r: Rng) {
    const patch = randomPatch(r, this.view);
    this.view = applyJsonPatches(this.view, [patch]);
    this.buffer.push(patch);
  }
  /** When nothing is in flight, the buffer becomes the in-flight write. */
  flush(): Write | null {
    if (this.inflight || this.buffer.length === 0) return null;
    this.inflight = { id: `c${this.n}-${++this.sent}`, patches: this.buffer };
    this.buffer = [];
    return {
      client: this.n,
      id: this.inflight.id,
      parents: this.confirmed.version,
      patches: this.inflight.patches,
    };
  }
  receive(u: Version) {
    this.confirmed = { version: u.id, value: applyJsonPatches(this.confirmed.value, u.patches) };
    if (this.inflight && u.id === this.inflight.id) {
      this.inflight = null; // our write, as the server applied it
      return;
    }
    // A write the server ordered before ours: bridge it past inflight and buffer, and apply it to the view.
    let incoming = u.patches;
    if (this.inflight) {
      const [inflight, over] = transformPatchLists(this.inflight.patches, incoming, true);
      this.inflight = { ...this.inflight, patches: inflight };
      incoming = over;
    }
    const [buffer, overBuffer] = transformPatchLists(this.buffer, incoming, true);
    this.buffer = buffer;
    this.view = applyJsonPatches(this.view, overBuffer);
    // The view must equal confirmed + inflight + buffer.
    const recomputed = applyJsonPatches(
      applyJsonPatches(this.confirmed.value, this.inflight?.patches ?? []),
      this.buffer,
    );
    expect(this.view).toEqual(recomputed);
  }
}

function run(seed: number, steps: number) {
  const r = rng(seed);
  const initial = randomDoc(r);
  const server = new Server(initial);
  const clients = [0, 1, 2].map((n) => new Client(n, initial));
  const toServer: Write[] = [];
  const step = () => {
    const c = clients[int(r, clients.length)];
    const choice = int(r, 10);
    if (choice < 4) c.edit(r);
    else if (choice < 6) {
      const w = c.flush();
      if (w) toServer.push(w);
    } else if (choice < 8 && toServer.length) {
      const v = server.receive(toServer.shift()!);
      for (const client of clients) client.inbox.push(v);
    } else if (c.inbox.length) c.receive(c.inbox.shift()!);
  };
  for (let i = 0; i < steps; i++) step();
  // Drain: keep flushing, serving and delivering until everything settles.
  for (let guard = 0; guard < 10_000; guard++) {
    for (const c of clients) {
      const w = c.flush();
      if (w) toServer.push(w);
    }
    while (toServer.length) {
      const v = server.receive(toServer.shift()!);
      for (const client of clients) client.inbox.push(v);
    }
    for (const c of clients) while (c.inbox.length) c.receive(c.inbox.shift()!);
    if (clients.every((c) => !c.inflight && c.buffer.length === 0) && toServer.length === 0) break;
  }
  return { server, clients };
}

describe('one server, three clients (simulated)', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('converges with seed %i', (seed) => {
    const { server, clients } = run(seed, 300);
    // The server's value is the sequential application of its own history.
    expect(
      applyJsonPatches(
        server.history.length ? randomDocFor(seed) : null,
        server.history.flatMap((v) => v.patches),
      ),
    ).toEqual(server.value);
    for (const c of clients) {
      expect(c.view).toEqual(server.value);
      expect(c.confirmed.value).toEqual(server.value);
    }
    expect(server.history.length).toBeGreaterThan(10);
  });
});

function randomDocFor(seed: number) {
  return randomDoc(rng(seed));
}
