// Module hooks for register.mjs: resolve extensionless relative imports to .ts/.tsx files (as the workspace's
// TypeScript is written), and compile TypeScript with esbuild (no keepNames, inline source map).
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const SOURCE_CONDITION = '@braid-live/source';
const TS = /\.(?:ts|tsx|mts)$/;
const CANDIDATES = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

async function isFile(url) {
  try {
    return (await stat(fileURLToPath(url))).isFile();
  } catch {
    return false;
  }
}

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (relative && context.parentURL && !/\.[cm]?[jt]sx?$|\.json$/.test(specifier)) {
    for (const suffix of CANDIDATES) {
      const url = new URL(specifier + suffix, context.parentURL).href;
      if (await isFile(url)) return { url, shortCircuit: true, format: 'module' };
    }
  }
  // Workspace packages resolve to their sources (the `@braid-live/source` export condition), as in the tests.
  return nextResolve(specifier, { ...context, conditions: [SOURCE_CONDITION, ...context.conditions] });
}

export async function load(url, context, nextLoad) {
  if (!TS.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: path.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
    jsx: 'automatic',
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
