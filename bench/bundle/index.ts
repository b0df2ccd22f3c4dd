/**
 * pnpm bench bundle: min+gzip size of the client entry points, built with esbuild the way an app bundler would
 * (bundle, minify, tree-shake, production React condition), react/react-dom external, immer included or external.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { fmtBytes } from '../lib/format';
import { ROOT_DIR, writeResults } from '../lib/results';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const TARGET_BYTES = 8 * 1024;
/**
 * The CI budget (`pnpm bench bundle --check`, in .ci/run): what an app imports, immer external, min+gzip. Set at
 * main's size when it was introduced (17.6 kB early on 1 Dec, 20.8 kB after the text and multiplex landings the
 * same evening) plus a little headroom; it may only go down. Exception: 23 kB for issue #14's client (state machines,
 * write promises, per-request headers, events: +1.6 kB), until the on-demand multiplexer lowers it again.
 */
const BUDGET_BYTES = 23 * 1024;

interface Entry {
  id: string;
  label: string;
  source: string;
}

const ENTRIES: Entry[] = [
  {
    id: 'core',
    label: '@braid-live/core (protocol + client, whole API)',
    source: "export * from '@braid-live/core';",
  },
  {
    id: 'core+react',
    label: '@braid-live/core + @braid-live/react (whole API)',
    source: "export * from '@braid-live/core';\nexport * from '@braid-live/react';",
  },
  {
    id: 'app-imports',
    label: 'what an app imports: BraidClient, BraidProvider, useBraid, useBraidSelector, useBraidStatus',
    source:
      "export { BraidClient } from '@braid-live/core';\n" +
      "export { BraidProvider, useBraid, useBraidSelector, useBraidStatus } from '@braid-live/react';",
  },
];

interface Size {
  entry: string;
  immer: 'external' | 'included';
  minBytes: number;
  gzipBytes: number;
  /** The biggest inputs in the minified output. */
  topInputs: { input: string; bytes: number }[];
  /** Minified bytes per part (core/protocol, core/client, react hooks, each npm package). */
  parts: { part: string; bytes: number }[];
}

/** Which part of the bundle an input belongs to: a folder of ours, or an npm package. */
function partOf(input: string): string {
  const ours = input.match(/^packages\/(\w+)\/src\/(\w+)\//);
  if (ours) return ours[1] === 'core' ? `@braid-live/core ${ours[2]}/` : `@braid-live/${ours[1]}`;
  if (input.startsWith('packages/')) return `@braid-live/${input.split('/')[1]}`;
  const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return pkg ? pkg[1] : input;
}

async function measure(entry: Entry, immer: Size['immer']): Promise<Size> {
  const external = ['react', 'react/*', 'react-dom', 'react-dom/*'];
  if (immer === 'external') external.push('immer');
  const result = await build({
    stdin: { contents: entry.source, resolveDir: ROOT_DIR, loader: 'ts', sourcefile: `${entry.id}.ts` },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    conditions: ['@braid-live/source', 'production'],
    define: { 'process.env.NODE_ENV': '"production"' },
    external,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs).map(([input, info]) => ({
    input: input.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'node_modules/'),
    bytes: info.bytesInOutput,
  }));
  const topInputs = [...inputs].sort((a, b) => b.bytes - a.bytes).slice(0, 8);
  const byPart = new Map<string, number>();
  for (const { input, bytes } of inputs) byPart.set(partOf(input), (byPart.get(partOf(input)) ?? 0) + bytes);
  const parts = [...byPart]
    .filter(([, bytes]) => bytes > 0)
    .map(([part, bytes]) => ({ part, bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    entry: entry.id,
    immer,
    minBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    topInputs,
    parts,
  };
}

async function main(): Promise<void> {
  const sizes: Size[] = [];
  for (const entry of ENTRIES) {
    for (const immer of ['external', 'included'] as const) sizes.push(await measure(entry, immer));
  }
  printTable(
    'bundle: esbuild --bundle --minify (esm, es2020, production), react and react-dom external',
    ['entry', 'immer', 'min', 'min+gzip'],
    sizes.map((s) => [
      ENTRIES.find((e) => e.id === s.entry)!.label,
      s.immer,
      fmtBytes(s.minBytes),
      fmtBytes(s.gzipBytes),
    ]),
  );
  const judged = sizes.find((s) => s.entry === 'core+react' && s.immer === 'external')!;
  printTable(
    'bundle: core + react (immer external) by part, minified bytes before gzip',
    ['part', 'bytes'],
    judged.parts.map((p) => [p.part, fmtBytes(p.bytes)]),
  );
  printTable(
    'bundle: largest inputs of core + react (immer external), minified bytes before gzip',
    ['input', 'bytes'],
    judged.topInputs.map((i) => [i.input, fmtBytes(i.bytes)]),
  );
  const withImmer = sizes.find((s) => s.entry === 'core+react' && s.immer === 'included')!;
  const targets: Target[] = [
    {
      name: 'core + react ≤ 8 kB min+gzip (immer external: a peer the app already has)',
      measured: `${fmtBytes(judged.gzipBytes)} (${judged.gzipBytes} B); with immer: ${fmtBytes(withImmer.gzipBytes)}`,
      met: judged.gzipBytes <= TARGET_BYTES,
    },
  ];
  printTargets('bundle targets', targets);
  writeResults('bundle', { targetBytes: TARGET_BYTES, sizes, targets });
  const app = sizes.find((s) => s.entry === 'app-imports' && s.immer === 'external')!;
  const withinBudget = app.gzipBytes <= BUDGET_BYTES;
  console.log(
    `bundle budget: what an app imports for a live resource is ${fmtBytes(app.gzipBytes)} (${app.gzipBytes} B) ` +
      `min+gzip, budget ${BUDGET_BYTES} B: ${withinBudget ? 'within' : 'OVER'}`,
  );
  if (process.argv.includes('--check') && !withinBudget) process.exit(1);
}

await main();
