// Starts the dashboard: `pnpm --filter @braid-live/dashboard start` (after `vite build`), or `dev` (--dev: Vite
// middleware with hot reload). Environment: PORT (default 8080), HOST (default 127.0.0.1), DATA_DIR, DIST_DIR,
// REDIS_URL (serve from Redis, with other nodes: see cluster.ts; DATA_DIR is then unused).
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDashboardServer } from './dashboardServer';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const dev = process.argv.includes('--dev');
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const dataDir = process.env.DATA_DIR ?? join(appDir, 'data');
const distDir = process.env.DIST_DIR ?? join(appDir, 'dist');
const redisUrl = process.env.REDIS_URL || undefined;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (got ${JSON.stringify(process.env.PORT)})`);
  process.exit(1);
}

try {
  const server = await startDashboardServer({
    port,
    host,
    dataDir,
    redisUrl,
    distDir,
    viteDevRoot: dev ? appDir : undefined,
  });
  console.log(`\n  braid-live dashboard ${dev ? '(dev) ' : ''}ready at ${server.url}`);
  const shownData = relative(process.cwd(), dataDir);
  const where = redisUrl ?? (shownData.startsWith('..') ? dataDir : shownData || '.');
  console.log(`  data in ${where} · open the page in two windows and edit\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second Ctrl-C: don't wait
    stopping = true;
    console.log(`\n  ${signal}: closing (finishing writes in progress)…`);
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Port ${port} is in use. Pick another one: PORT=${port + 1} pnpm demo`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
