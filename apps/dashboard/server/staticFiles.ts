import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built app from `root`. Files under /assets/ have content hashes in their names and are cached for
 * good; everything else (index.html) is revalidated. Unknown paths that are not API paths get index.html, so a
 * reload on any client-side URL still shows the app.
 */
export function serveStatic(root: string) {
  const base = normalize(root + sep);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const pathname = decodePath(req.url ?? '/');
    if (pathname === undefined) return reply(res, 400, 'bad path');
    if (pathname.startsWith('/api/')) return reply(res, 404, `no resource at ${pathname}`);
    const file = normalize(join(base, pathname));
    if (!file.startsWith(base)) return reply(res, 404, 'not found');
    const found = (await isFile(file)) ? file : join(base, 'index.html');
    if (!(await isFile(found)))
      return reply(res, 503, 'the app is not built: run `pnpm --filter @braid-live/dashboard build`');
    const immutable = pathname.startsWith('/assets/') && found === file;
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(found)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(found)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

function decodePath(url: string): string | undefined {
  try {
    const pathname = decodeURIComponent(new URL(url, 'http://local').pathname);
    return pathname.includes('\0') ? undefined : pathname;
  } catch {
    return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function reply(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(message);
}
