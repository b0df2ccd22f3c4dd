import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type BraidServerStats, createBraidServer, fileStore, memoryStore } from '@braid-live/server';
import { build } from 'esbuild';

export interface EditorServerOptions {
  port: number;
  host: string;
  /** Where the texts are kept (a fileStore); undefined: in memory only. Presence is never stored. */
  dataDir?: string;
}

export interface EditorServer {
  url: string;
  stats(): BraidServerStats;
  close(): Promise<void>;
}

/** Longest document, in code points, and most documents: every resource is bounded. */
export const EDITOR_LIMITS = { maxLength: 100_000, maxDocuments: 200, maxPeers: 16 } as const;

const page = (script: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>braid-live editor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/editor.css">
</head>
<body>
<header><h1>braid-live editor</h1><span id="doc-name"></span><span id="status" data-testid="status">connecting</span></header>
<ul id="people" aria-label="People here" data-testid="people"></ul>
<main id="editor">
  <div id="overlay" aria-hidden="true"></div>
  <textarea id="text" data-testid="text" spellcheck="false" aria-label="Shared document" disabled></textarea>
</main>
<script type="module">${script}</script>
</body>
</html>`;

/**
 * The editor example: `/docs/:doc` texts (braid.text), `/presence/:doc` who is where (braid.presence), and the
 * page — its script bundled from src/main.ts by esbuild once at start (no build step).
 */
export async function startEditorServer(options: EditorServerOptions): Promise<EditorServer> {
  const braid = createBraidServer({
    store: options.dataDir ? fileStore(options.dataDir) : memoryStore(),
    onError: (error, context) => console.error(`editor: ${context}:`, error),
  });
  braid.text('/docs/:doc', {
    initial: '',
    maxLength: EDITOR_LIMITS.maxLength,
    maxResources: EDITOR_LIMITS.maxDocuments,
  });
  braid.presence('/presence/:doc', {
    maxPeers: EDITOR_LIMITS.maxPeers,
    maxEntryBytes: 512,
    ttlMs: 30_000,
    maxDocuments: EDITOR_LIMITS.maxDocuments,
  });

  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    conditions: ['@braid-live/source'],
  });
  const html = page(bundled.outputFiles[0].text.replaceAll('</script', '<\\/script'));
  const cssText = await readFile(fileURLToPath(new URL('../src/editor.css', import.meta.url)), 'utf8');

  const http = createServer((req, res) =>
    braid.middleware(req, res, () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end('method not allowed');
      } else if (path === '/editor.css') {
        res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8' }).end(cssText);
      } else if (path === '/' || /^\/[\w-]{1,64}$/.test(path)) {
        // Any /<name> is a document of that name.
        res
          .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' })
          .end(html);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      }
    }),
  );
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}/`,
    stats: () => braid.stats(),
    close: () =>
      (closing ??= (async () => {
        http.close();
        await braid.close();
        http.closeAllConnections();
      })()),
  };
}
