// The reference implementation (npm braid-http, a devDependency for interop tests only), typed for the little
// the tests use. It is CommonJS without types.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { applyJsonPatches, type JsonPatch } from '../src/protocol/index';

export interface BraidReq extends http.IncomingMessage {
  subscribe?: unknown;
  version?: string[];
  parents?: string[];
  parseUpdate(): Promise<{
    body?: Uint8Array;
    patches?: { unit: string; range: string; content: Uint8Array }[];
  }>;
}
export interface BraidRes extends http.ServerResponse {
  startSubscription(args: { onClose?: () => void }): void;
  sendUpdate(update: Record<string, unknown>): void;
}
export type BraidHandler = (req: BraidReq, res: BraidRes) => void | Promise<void>;

const require = createRequire(import.meta.url);
const braidHttp = require('braid-http');

/** braidify: wraps a (req, res) handler with Braid-HTTP parsing (also serves its multiplexer unless disabled). */
export const braidify = braidHttp.http_server as ((handler: BraidHandler) => http.RequestListener) & {
  enable_multiplex?: boolean;
};
/** braid-http's client fetch (`subscribe`, `parents`, `patches`, `multiplex` options). */
export const braidFetch = braidHttp.fetch as (url: string, params: Record<string, unknown>) => Promise<any>;
/** The installed braid-http version. */
export const braidHttpVersion: string = JSON.parse(
  readFileSync(join(dirname(require.resolve('braid-http')), 'package.json'), 'utf8'),
).version;

/**
 * A braidify app serving one JSON document at any path: a subscription gets the current document, and every PUT
 * is applied and rebroadcast to every subscriber as it came (a snapshot, or its patches), with the writer's
 * Version and Parents, so the writer sees its echo. `onWrite` sees each write as braidify parsed it.
 */
export async function startRebroadcastServer(
  initialJson: string,
  initialVersion: string,
  onWrite?: (req: BraidReq, update: Awaited<ReturnType<BraidReq['parseUpdate']>>) => void,
) {
  const utf8 = new TextDecoder();
  const subscribers = new Set<BraidRes>();
  let doc: unknown = JSON.parse(initialJson);
  let version = initialVersion;
  const server = http.createServer(
    braidify(async (req, res) => {
      if (req.method === 'GET' && req.subscribe) {
        res.startSubscription({ onClose: () => subscribers.delete(res) });
        subscribers.add(res);
        res.sendUpdate({ version: [version], body: JSON.stringify(doc) });
        return;
      }
      if (req.method !== 'PUT') {
        res.statusCode = 404;
        res.end();
        return;
      }
      const update = await req.parseUpdate();
      onWrite?.(req, update);
      const patches: JsonPatch[] = update.patches
        ? update.patches.map((p) =>
            p.content.length
              ? { range: p.range, content: JSON.parse(utf8.decode(p.content)) }
              : { range: p.range },
          )
        : [{ range: '', content: JSON.parse(utf8.decode(update.body!)) }];
      doc = applyJsonPatches(doc, patches);
      version = req.version?.[0] ?? version;
      const framing = update.patches
        ? { patches: update.patches.map((p) => ({ unit: p.unit, range: p.range, content: p.content })) }
        : { body: update.body };
      for (const s of subscribers) s.sendUpdate({ version: req.version, parents: req.parents, ...framing });
      res.statusCode = 200;
      res.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    doc: () => doc,
    async close() {
      for (const s of subscribers) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A stock braidify app (braid-http 1.3.80) as servers built on it are usually written: a subscription that
 * resumes from the current version gets nothing until the next write, and braidify sends no byte of the 209
 * until then. Versions are the writers' ids; the document survives `restart()`, which kills every connection and
 * listens again on the same port (like a process restarted on a persistent store).
 */
export async function startStockBraidifyServer(initialJson: string, initialVersion: string) {
  const utf8 = new TextDecoder();
  const subscribers = new Set<BraidRes>();
  let doc: unknown = JSON.parse(initialJson);
  let version = initialVersion;
  const handler = braidify(async (req, res) => {
    if (req.method === 'GET' && req.subscribe) {
      res.startSubscription({ onClose: () => subscribers.delete(res) });
      subscribers.add(res);
      const current = req.parents?.length === 1 && req.parents[0] === version;
      if (!current) res.sendUpdate({ version: [version], body: JSON.stringify(doc) });
      return;
    }
    if (req.method === 'GET') {
      res.setHeader('Version', JSON.stringify(version));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(doc));
      return;
    }
    if (req.method !== 'PUT') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const update = await req.parseUpdate();
    const patches: JsonPatch[] = update.patches
      ? update.patches.map((p) =>
          p.content.length
            ? { range: p.range, content: JSON.parse(utf8.decode(p.content)) }
            : { range: p.range },
        )
      : [{ range: '', content: JSON.parse(utf8.decode(update.body!)) }];
    doc = applyJsonPatches(doc, patches);
    const parents = [version];
    version = req.version?.[0] ?? version;
    const framing = update.patches
      ? { patches: update.patches.map((p) => ({ unit: p.unit, range: p.range, content: p.content })) }
      : { body: update.body };
    for (const s of subscribers) s.sendUpdate({ version: [version], parents, ...framing });
    res.statusCode = 200;
    res.end();
  });
  let server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    for (const s of subscribers) s.destroy();
    subscribers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    base: `http://127.0.0.1:${port}`,
    doc: () => doc,
    version: () => version,
    /** Kills every connection, then listens again on the same port with the same document. */
    async restart(whileDown?: () => void | Promise<void>) {
      await stop();
      await whileDown?.();
      server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close: stop,
  };
}
