import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, killChild, startChild, waitForOutput } from './processes';

export const appDir = fileURLToPath(new URL('../../apps/dashboard/', import.meta.url));

/** Builds the app with the dashboard's own vite into `distDir` (a child process, bounded in time). */
export async function buildDashboard(distDir: string, timeoutMs: number): Promise<void> {
  const vite = join(appDir, 'node_modules/vite/bin/vite.js');
  const child = startChild(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: appDir,
    // vitest sets NODE_ENV=test, which would build React's development bundle: test what `pnpm demo` ships.
    env: { ...process.env, NODE_ENV: 'production', DIST_DIR: distDir },
    maxLifeMs: timeoutMs,
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(`vite build failed (${code}):\n${child.output()}`);
}

export interface DashboardProcess {
  child: Child;
  url: string;
}

/** Starts `server/main.ts` the way `pnpm start` does (node --import tsx), and waits for its "ready at" line. */
export async function startDashboard(options: {
  port: number;
  dataDir: string;
  distDir: string;
  maxLifeMs: number;
}): Promise<DashboardProcess> {
  const child = startChild(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: appDir,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      DIST_DIR: options.distDir,
    },
    maxLifeMs: options.maxLifeMs,
  });
  try {
    const [, url] = await waitForOutput(child, /ready at (http:\/\/\S+)/, 30_000);
    return { child, url };
  } catch (error) {
    await killChild(child);
    throw error;
  }
}
