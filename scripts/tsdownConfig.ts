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
  /**
   * For a package whose main entry loads chunks on demand (`import()`): every module the main entry reaches by
   * static imports goes into ONE shared file, which the entry and the on-demand chunks import. Why: an app
   * bundler that splits by which entry points reach a file (esbuild) otherwise turns the initial code into one
   * chunk per combination of on-demand chunks sharing it (core: 5 initial files instead of 2, +0.9 kB
   * min+gzip for a single live resource; the sources do the same with client/initialCode.ts).
   */
  sharedInitialCode?: boolean;
}

/** What rolldown's code-splitting `name` function is given (the part used here). */
interface ChunkingContext {
  getModuleInfo(id: string): { importers: readonly string[] } | null;
}

/**
 * The code-splitting group of `sharedInitialCode`: names 'initial' every module (but the entry itself) that
 * `entry` reaches by static imports, walking each module's static importers up (memoized; cycles end the walk).
 */
function initialCodeGroup(entry: string) {
  const reached = new Map<string, boolean>();
  const reaches = (id: string, ctx: ChunkingContext): boolean => {
    if (id === entry) return true;
    const known = reached.get(id);
    if (known !== undefined) return known;
    reached.set(id, false); // in progress: a cycle back here proves nothing
    const result = (ctx.getModuleInfo(id)?.importers ?? []).some((importer) => reaches(importer, ctx));
    reached.set(id, result);
    return result;
  };
  return {
    name: (id: string, ctx: ChunkingContext) => (id !== entry && reaches(id, ctx) ? 'initial' : null),
  };
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
    ...(options.sharedInitialCode
      ? {
          outputOptions: {
            codeSplitting: {
              groups: [initialCodeGroup(join(dir, entriesOf(manifest.exports, manifest.name).index!))],
            },
          },
        }
      : {}),
    // Published manifests are written by us, not generated.
    exports: false,
    report: false,
  });
}
