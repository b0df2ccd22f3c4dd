// `pnpm check:packages`: what CI checks about the published packages. Checks that each
// publishConfig.exports is exports minus the @braid-live/source condition, builds and packs them with pnpm as publishing
// would (scripts/lib/packWorkspace.mjs, cached by a content hash of the sources) — writing publishConfig.exports where an entry was added to exports alone — runs `publint --strict` and `attw` (ESM-only profile) on every tarball, then installs the tarballs
// with npm into a fresh project OUTSIDE the workspace and runs a fileStore server there with plain `node`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGES, packWorkspace, ROOT } from './lib/packWorkspace.mjs';

const SOURCE_CONDITION = '@braid-live/source';
const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const run = (cmd, args, cwd = ROOT) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

function checkPublishExports(pkg) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'));
  const expected = Object.fromEntries(
    Object.entries(manifest.exports).map(([subpath, conditions]) => [
      subpath,
      Object.fromEntries(Object.entries(conditions).filter(([c]) => c !== SOURCE_CONDITION)),
    ]),
  );
  if (JSON.stringify(expected) !== JSON.stringify(manifest.publishConfig?.exports)) {
    // An entry added to exports alone: publish it too (and say so, so the manifest gets the line committed).
    console.warn(
      `packages/${pkg}/package.json: publishConfig.exports was not exports minus the source condition; updated`,
    );
    manifest.publishConfig = { ...manifest.publishConfig, exports: expected };
    writeFileSync(join(ROOT, 'packages', pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

/**
 * No npm package inside our dist/: a dependency missing from dependencies/peerDependencies (say, only a
 * devDependency) gets bundled by tsdown — ioredis once made dist/redis.js 397 kB. The source maps say what went in.
 */
function checkNothingBundled(tarball) {
  const dir = mkdtempSync(join(tmpdir(), 'braid-live-unpacked-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const distDir = join(dir, 'package', 'dist');
    for (const file of readdirSync(distDir).filter((f) => f.endsWith('.js.map'))) {
      const { sources } = JSON.parse(readFileSync(join(distDir, file), 'utf8'));
      const bundled = sources.filter((source) => source.includes('node_modules/'));
      if (bundled.length > 0) {
        throw new Error(
          `${tarball}: dist/${file} bundles ${bundled.length} files from node_modules (${bundled[0]}, …): ` +
            'declare the package in dependencies or peerDependencies',
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node server.mjs` in a fresh npm project with the tarballs: a fileStore resource answers a GET. */
async function runServerConsumer(tarballs) {
  const dir = mkdtempSync(join(tmpdir(), 'braid-live-consumer-'));
  try {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], dir);
    writeFileSync(
      join(dir, 'server.mjs'),
      `import { createServer } from 'node:http';
import { createBraidServer, fileStore } from '@braid-live/server';
const braid = createBraidServer({ store: fileStore('./data') });
braid.resource('/doc', { initial: { title: 'hello' } });
const server = createServer(braid.handler).listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`,
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // no @braid-live/source condition out here
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server.mjs did not start in 20 s')), 20_000);
        child.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}`)));
        child.stdout.on('data', (chunk) => {
          const m = String(chunk).match(/PORT (\d+)/);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const res = await fetch(`http://127.0.0.1:${port}/doc`);
      const body = await res.json();
      if (res.status !== 200 || body.title !== 'hello')
        throw new Error(`GET /doc: ${res.status} ${JSON.stringify(body)}`);
      console.log(`consumer: node server.mjs (fileStore) answered GET /doc with ${JSON.stringify(body)}`);
    } finally {
      child.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const pkg of PACKAGES) checkPublishExports(pkg);
const byName = await packWorkspace({ log: console.log });
const tarballs = Object.values(byName);
for (const tarball of tarballs) {
  checkNothingBundled(tarball);
  run(bin('publint'), ['run', '--strict', tarball]);
  run(bin('attw'), [tarball, '--profile', 'esm-only']);
}
if (!process.argv.includes('--no-consumer')) await runServerConsumer(tarballs);
console.log(`check:packages: ${tarballs.length} packages pass publint --strict and attw`);
