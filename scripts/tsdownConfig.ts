/**
 * The one build every package shares (`pnpm build` → tsdown in each package, in dependency order). Entries are
 * read from the package's own `exports`: each export's `@braid-live/source` condition names its source file,
 * and its `types`/`default` conditions must be `./dist/<name>.d.ts`/`./dist/<name>.js` — so adding an entry is
 * one line in package.json (see packages/README.md).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'tsdown';

export const SOURCE_CONDITION = '@braid-live/source';

interface ExportConditions {
  [SOURCE_CONDITION]: string;
  types: string;
  default: string;
}

/** `{ index: './src/index.ts', protocol: './src/protocol/index.ts' }` from `exports`, checked against dist paths. */
export function entriesOf(exports: Record<string, ExportConditions>, pkg: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [subpath, conditions] of Object.entries(exports)) {
    if (subpath === './package.json') continue;
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const expected = { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` };
    const keys = Object.keys(conditions).join(',');
    if (
      keys !== `${SOURCE_CONDITION},types,default` ||
      conditions.types !== expected.types ||
      conditions.default !== expected.default
    ) {
      throw new Error(
        `${pkg}: exports["${subpath}"] must be { "${SOURCE_CONDITION}": "./src/….ts", "types": "${expected.types}", ` +
          `"default": "${expected.default}" } in this order (got ${JSON.stringify(conditions)})`,
      );
    }
    entries[name] = conditions[SOURCE_CONDITION];
  }
  return entries;
}

/** TypeScript 7's native compiler, which writes the declarations that tsdown then bundles per entry. */
function tsgoPath(): string {
  const require = createRequire(import.meta.url);
  const ts = dirname(require.resolve('typescript/package.json'));
  return join(ts, 'bin', 'tsc');
}

export interface PackageBuildOptions {
  /** 'neutral' for code that runs in browsers and Node alike; 'node' for the server. */
  platform: 'neutral' | 'node';
  /** Prepended to every JS chunk, e.g. `'use client';` for the React entry. */
  banner?: string;
}

export function packageBuild(packageUrl: string, options: PackageBuildOptions): UserConfig {
  const dir = fileURLToPath(new URL('.', packageUrl));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return defineConfig({
    cwd: dir,
    entry: entriesOf(manifest.exports, manifest.name),
    outDir: 'dist',
    format: 'esm',
    platform: options.platform,
    target: options.platform === 'node' ? 'node20' : 'es2022',
    fixedExtension: false,
    sourcemap: true,
    clean: true,
    // Dependencies and peers stay imports (the app's bundler dedupes them); our own code is bundled per entry,
    // with what an entry loads on demand (`import()`) split into chunks.
    tsconfig: join(dir, 'tsconfig.build.json'),
    dts: { tsgo: { path: tsgoPath() } },
    ...(options.banner ? { banner: { js: options.banner } } : {}),
    // Published manifests are written by us, not generated.
    exports: false,
    report: false,
  });
}
