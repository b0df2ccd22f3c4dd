// Build + pack every published package into a folder, as `pnpm publish` would ship them (workspace:^ ranges
// become real versions, publishConfig.exports replaces exports). Used by `pnpm check:packages`, the consumer
// test (e2e/consumer) and the example tests, which install the tarballs outside the workspace.
//
// Cached by a content hash of everything that goes into the tarballs (sources, manifests, build config,
// lockfile): a second call — in the same process, another vitest worker, or the next CI step — with unchanged
// sources returns the same tarballs without building. Concurrent callers (vitest runs files in parallel) wait
// for the one that builds instead of building into the same dist/ folders at once.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from './dirLock.mjs';

const execFileAsync = promisify(execFile);

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
/** The published packages (folders under packages/), in dependency order. */
export const PACKAGES = ['core', 'react', 'server'];

const PACKAGE_FILES = [
  'package.json',
  'tsdown.config.ts',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];
const SHARED_FILES = [
  'scripts/tsdownConfig.ts',
  'scripts/lib/packWorkspace.mjs',
  'tsconfig.base.json',
  'pnpm-lock.yaml',
  'package.json',
];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A hash of every file that can change what the tarballs contain. */
export function workspaceSourceHash(root = ROOT) {
  const files = SHARED_FILES.map((f) => join(root, f));
  for (const pkg of PACKAGES) {
    const dir = join(root, 'packages', pkg);
    files.push(...PACKAGE_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f)));
    files.push(...filesUnder(join(dir, 'src')));
  }
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function packageNames(root) {
  return PACKAGES.map((pkg) => ({
    folder: pkg,
    name: JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).name,
  }));
}

function readIndex(dir) {
  try {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    return Object.values(index).every((path) => existsSync(path)) ? index : undefined;
  } catch {
    return undefined;
  }
}

const memo = new Map();

/**
 * Builds (`pnpm build`) and packs (`pnpm pack`) every package once per content hash.
 * Resolves to the tarball paths by package name: `{ '@braid-live/core': '/tmp/…/braid-live-core-0.1.0.tgz', … }`.
 * The tarballs live in `cacheDir/<hash>/` (default: the OS temp folder) and must be treated as read-only.
 */
export function packWorkspace(options = {}) {
  const root = options.root ?? ROOT;
  const cacheDir = options.cacheDir ?? join(tmpdir(), 'braid-live-packs');
  const log = options.log ?? (() => {});
  const hash = workspaceSourceHash(root);
  const key = `${root}\0${cacheDir}\0${hash}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = packOnce(root, cacheDir, hash, log);
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

async function packOnce(root, cacheDir, hash, log) {
  const dir = join(cacheDir, hash);
  const cached = readIndex(dir);
  if (cached) {
    log(`packWorkspace: ${hash} cached in ${dir}`);
    return cached;
  }
  mkdirSync(cacheDir, { recursive: true });
  // The lock is per worktree (it guards packages/*/dist), the result per content hash.
  const lockName = `build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`;
  return withLock(join(cacheDir, lockName), async () => {
    const again = readIndex(dir);
    if (again) return again;
    const started = Date.now();
    const staging = join(cacheDir, `${hash}.${process.pid}.staging`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // the @braid-live/source condition must not leak into the build
    await execFileAsync('pnpm', ['build'], { cwd: root, env, maxBuffer: 64 << 20 });
    const index = {};
    for (const { folder, name } of packageNames(root)) {
      const { stdout } = await execFileAsync('pnpm', ['pack', '--pack-destination', staging, '--json'], {
        cwd: join(root, 'packages', folder),
        env,
        maxBuffer: 64 << 20,
      });
      const file = tarballFile(stdout, staging, name);
      index[name] = join(dir, file);
    }
    writeFileSync(join(staging, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    log(
      `packWorkspace: built and packed ${Object.keys(index).length} packages in ${Date.now() - started} ms`,
    );
    return index;
  });
}

/** The tarball's file name from `pnpm pack --json`, or from the folder when the output is not JSON. */
function tarballFile(stdout, staging, name) {
  try {
    const json = JSON.parse(stdout);
    const filename = (Array.isArray(json) ? json[0] : json).filename;
    if (filename) return filename.split('/').pop();
  } catch {}
  const prefix = `${name.replace('@', '').replace('/', '-')}-`;
  const match = readdirSync(staging).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
  if (!match) throw new Error(`pnpm pack wrote no tarball for ${name} in ${staging}`);
  return match;
}
