import http from 'node:http';
import {
  createUpdateParser,
  formatVersions,
  type JsonPatch,
  parseVersions,
  serializeWrite,
} from '@braid-live/core/protocol';
import { type Child, spawnTs } from '../lib/child';

/** One request (or burst of requests) as measured: its answer and what it did to the server. */
export interface Measured {
  answer: string;
  ms: number;
  /** Longest event-loop delay in the server process while it was handled. */
  maxDelayMs: number;
  /** Longest GC pause in the server meanwhile (part of the loop delay), and its kind. */
  maxGcMs: number;
  gcKind: string;
  /** Longest gap between two updates the honest subscriber received meanwhile. */
  tickGapMs: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  openFiles: number;
}

interface Read {
  type: 'read';
  maxDelayMs: number;
  maxGcMs: number;
  gcKind: string;
  rssMiB: number;
  openFiles: number;
}

const REQUEST_TIMEOUT_MS = 300_000;

/** Counts equal answers: "300× 200" or "10× 200, 290× 500 EMFILE". */
export function summarize(answers: string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts].map(([a, n]) => (n > 1 ? `${n}× ${a}` : a)).join(', ');
}

/** The server process of the benchmark, its honest subscriber, and the requests a hostile client sends it. */
export class HostileServer {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly ticks: number[] = [];
  private subscription?: http.ClientRequest;

  private constructor(
    private readonly child: Child,
    readonly origin: string,
    private readonly port: number,
  ) {}

  static async start(file: string): Promise<HostileServer> {
    const child = spawnTs(file, {
      nodeFlags: [
        '--max-old-space-size=4096',
        ...(process.env.HOSTILE_PROF
          ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${process.env.HOSTILE_PROF}`]
          : []),
        ...(process.env.HOSTILE_TRACE_GC ? ['--trace-gc'] : []),
      ],
    });
    const ready = await child.next<{ type: 'ready'; port: number }>((m) => m.type === 'ready', 120_000);
    const server = new HostileServer(child, `http://127.0.0.1:${ready.port}`, ready.port);
    await server.subscribe();
    return server;
  }

  ask<T>(message: { type: string; [key: string]: unknown }, answer: string): Promise<T> {
    const reply = this.child.next<T & { type: string }>((m) => m.type === answer, REQUEST_TIMEOUT_MS);
    this.child.send(message);
    return reply;
  }

  /** Runs `request` with the delay monitor reset before and read after. */
  async measure(request: () => Promise<string>): Promise<Measured> {
    const before = await this.ask<Read>({ type: 'read' }, 'read');
    await this.ask({ type: 'reset' }, 'reset');
    const from = performance.now();
    const answer = await request();
    const to = performance.now();
    const after = await this.ask<Read>({ type: 'read' }, 'read');
    return {
      answer,
      ms: to - from,
      maxDelayMs: after.maxDelayMs,
      maxGcMs: after.maxGcMs,
      gcKind: after.gcKind,
      tickGapMs: this.longestGap(from, to),
      rssBeforeMiB: before.rssMiB,
      rssAfterMiB: after.rssMiB,
      openFiles: after.openFiles,
    };
  }

  /** One PUT of json range patches; the answer is its status and the start of its reason. */
  put(
    path: string,
    patches: JsonPatch[],
    ids: { version?: string; parents?: string[] } = {},
  ): Promise<string> {
    const { headers, body } = serializeWrite({
      ...(ids.version ? { version: [ids.version] } : {}),
      ...(ids.parents ? { parents: ids.parents } : {}),
      patches: patches.map((p) => ({
        unit: 'json',
        range: p.range,
        content: p.content === undefined ? '' : JSON.stringify(p.content),
      })),
    });
    if (ids.parents && ids.parents.length === 0) headers.Parents = formatVersions([]);
    return this.request('PUT', path, headers, body).then((r) => r.answer);
  }

  /**
   * A PUT serialized now, sent later: for the big rows, whose bodies (8 MiB) would otherwise be made while
   * measured, in this process, where the honest subscriber is (its gap would show our work, not the server's).
   */
  prepare(path: string, patches: JsonPatch[]): () => Promise<string> {
    const { headers, body } = serializeWrite({
      patches: patches.map((p) => ({ unit: 'json', range: p.range, content: JSON.stringify(p.content) })),
    });
    const bytes = Buffer.from(body);
    return () => this.request('PUT', path, headers, bytes).then((r) => r.answer);
  }

  /** `count` PUTs, eight at a time; the answer counts equal answers. */
  async puts(count: number, make: (i: number) => [string, JsonPatch[]]): Promise<string> {
    const answers: string[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const [path, patches] = make(i);
        answers[i] = await this.put(path, patches);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return summarize(answers);
  }

  /** A GET; the answer is its status and body size. */
  async get(path: string): Promise<string> {
    const r = await this.request('GET', path, {}, undefined);
    return `${r.answer}, ${(r.bytes / 2 ** 20).toFixed(2)} MiB`;
  }

  async headVersion(path: string): Promise<string[]> {
    const r = await this.request('GET', path, {}, undefined);
    return parseVersions(r.version ?? '');
  }

  async stop(): Promise<void> {
    this.subscription?.destroy();
    this.agent.destroy();
    await this.child.stop();
  }

  private request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
  ): Promise<{ answer: string; bytes: number; version?: string }> {
    return new Promise((resolve) => {
      const req = http.request(
        {
          method,
          host: '127.0.0.1',
          port: this.port,
          path,
          agent: this.agent,
          headers: body ? { ...headers, 'Content-Length': body.length } : headers,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (res.statusCode !== 200 || bytes < 4096) chunks.push(chunk);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const reason = status >= 300 ? Buffer.concat(chunks).toString('utf8').trim().slice(0, 48) : '';
            resolve({
              answer: reason ? `${status} ${reason}` : String(status),
              bytes,
              version: res.headers.version as string | undefined,
            });
          });
        },
      );
      // A body refused from its Content-Length is answered (413) before it is sent; the server reads and drops
      // the rest (up to 16 MiB), so the answer is what this client sees. (A socket error, should one come after
      // the answer, is not this request's.)
      req.on('socket', (socket) => socket.on('error', () => {}));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ answer: `error ${error.message}`, bytes: 0 }));
      req.end(body ? (Buffer.isBuffer(body) ? body : Buffer.from(body)) : undefined);
    });
  }

  /** The honest subscriber: its own connection, a tick every few ms; arrival times are kept. */
  private subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      const parser = createUpdateParser(() => {
        this.ticks.push(performance.now());
        if (this.ticks.length === 1) resolve();
      });
      this.subscription = http.get(
        { host: '127.0.0.1', port: this.port, path: '/tick', headers: { Subscribe: 'true' } },
        (res) => {
          res.on('data', (chunk: Buffer) => parser.push(chunk));
          res.on('error', () => {});
        },
      );
      this.subscription.on('error', reject);
    });
  }

  /** The longest time without a tick within [from, to] (the edges count: a stall at the start or end shows). */
  private longestGap(from: number, to: number): number {
    let last = from;
    let longest = 0;
    for (const t of this.ticks) {
      if (t < from) continue;
      if (t > to) break;
      longest = Math.max(longest, t - last);
      last = t;
    }
    return Math.max(longest, to - last);
  }
}
