// The examples as a user has them: a copy of examples/ OUTSIDE the workspace, whose @braid-live/* packages are
// the packed tarballs (scripts/lib/packWorkspace.mjs), installed with pnpm from its store like any project.
// One install serves every example (and every test file: vitest runs them in parallel workers), cached by a hash
// of the tarballs and the example sources; concurrent callers wait for the one that installs.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from '../../scripts/lib/dirLock.mjs';
import { packWorkspace } from '../../scripts/lib/packWorkspace.mjs';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const CACHE = join(tmpdir(), 'braid-live-examples');
/** Folders of examples/ that are no source of an example. */
const NOT_COPIED = new Set(['node_modules', '.next', 'next-env.d.ts']);
/**
 * The runtimes' own binaries (npm packages of the workspace: a user installs them once, not per project). The
 * binaries themselves, not the packages' bin entries: deno's is a node script that spawns the binary, and
 * killing it (a test's cleanup) would leave the server running.
 */
const RUNTIME_BINARIES: Record<string, string> = { bun: 'bun/bin/bun.exe', deno: 'deno/deno' };
/** Bumped whenever consumerManifest changes what it installs. */
const MANIFEST_FORMAT = 'manifest-2';
const KEEP_OLD_INSTALLS_MS = 6 * 3600_000;

export interface InstalledExamples {
  /** The copy of examples/ with node_modules of its own (no workspace links). */
  dir: string;
  /** Tarball path of each @braid-live package installed there. */
  tarballs: Record<string, string>;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_COPIED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function installHash(tarballs: Record<string, string>): string {
  const hash = createHash('sha256');
  hash.update(MANIFEST_FORMAT); // a change to consumerManifest below must not reuse an older install
  // packWorkspace's folder name is the content hash of the packages: the paths say what is in them.
  hash.update(JSON.stringify(tarballs));
  for (const file of sourceFiles(EXAMPLES).sort()) {
    hash.update(relative(EXAMPLES, file));
    hash.update('\0');
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The examples' manifest with the tarballs in place of workspace links. */
function consumerManifest(tarballs: Record<string, string>): string {
  const manifest = JSON.parse(readFileSync(join(EXAMPLES, 'package.json'), 'utf8'));
  const tarballRanges = Object.fromEntries(
    Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`]),
  );
  const dependencies: Record<string, string> = {};
  for (const [name, range] of Object.entries<string>(manifest.dependencies)) {
    dependencies[name] = tarballRanges[name] ?? range;
  }
  // What a user's project has for its TypeScript files: `next build` refuses a tsconfig.json without them.
  const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const devDependencies: Record<string, string> = { typescript: rootManifest.devDependencies.typescript };
  for (const [name, range] of Object.entries<string>(manifest.devDependencies ?? {})) {
    if (name.startsWith('@types/')) devDependencies[name] = range;
  }
  devDependencies['@types/node'] ??= rootManifest.devDependencies['@types/node'];
  return `${JSON.stringify({ name: 'braid-live-examples', private: true, type: 'module', dependencies, devDependencies }, null, 2)}\n`;
}

/** pnpm's settings for that project: the tarballs override nested ranges too (server's dependency on core). */
function consumerSettings(tarballs: Record<string, string>): string {
  const lines = ['overrides:'];
  for (const [name, path] of Object.entries(tarballs)) lines.push(`  '${name}': 'file:${path}'`);
  return `${lines.join('\n')}\n`;
}

function pruneOldInstalls(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (path === keep || name.endsWith('.lock')) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_INSTALLS_MS)
        rmSync(path, { recursive: true, force: true });
    } catch {}
  }
}

const memo = new Map<string, Promise<InstalledExamples>>();

export function installExamples(log: (line: string) => void = () => {}): Promise<InstalledExamples> {
  let pending = memo.get('');
  if (!pending) {
    pending = install(log);
    memo.set('', pending);
    pending.catch(() => memo.delete(''));
  }
  return pending;
}

async function install(log: (line: string) => void): Promise<InstalledExamples> {
  const tarballs = await packWorkspace({ log });
  const hash = installHash(tarballs);
  const dir = join(CACHE, hash);
  const done = join(dir, '.installed');
  if (existsSync(done)) return { dir, tarballs };
  mkdirSync(CACHE, { recursive: true });
  return withLock(join(CACHE, `${hash}.lock`), async () => {
    if (existsSync(done)) return { dir, tarballs };
    const started = Date.now();
    const staging = join(CACHE, `${hash}.${process.pid}.staging`);
    rmSync(staging, { recursive: true, force: true });
    cpSync(EXAMPLES, staging, {
      recursive: true,
      filter: (source) => !NOT_COPIED.has(source.split('/').pop()!) || source === EXAMPLES,
    });
    writeFileSync(join(staging, 'package.json'), consumerManifest(tarballs));
    writeFileSync(join(staging, 'pnpm-workspace.yaml'), consumerSettings(tarballs));
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_loglevel: 'error' };
    delete env.NODE_OPTIONS; // no @braid-live/source condition outside the workspace
    await execFileAsync(
      'pnpm',
      ['install', '--no-frozen-lockfile', '--prefer-offline', '--config.confirmModulesPurge=false'],
      { cwd: staging, env, maxBuffer: 64 << 20 },
    );
    // Installed into the staging folder, then moved: pnpm's links are relative, so they survive the move.
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    writeFileSync(done, new Date().toISOString());
    log(`installExamples: installed the packed packages in ${dir} in ${Date.now() - started} ms`);
    pruneOldInstalls(dir);
    return { dir, tarballs };
  });
}

/** A runtime binary (bun, deno) from the workspace's examples/node_modules. */
export function runtimeBinary(name: 'bun' | 'deno'): string {
  return join(EXAMPLES, 'node_modules', RUNTIME_BINARIES[name]);
}
