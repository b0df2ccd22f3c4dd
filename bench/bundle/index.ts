/**
 * pnpm bench bundle: min+gzip size of the client entry points, built with esbuild the way an app bundler would
 * (bundle, minify, tree-shake, code splitting, production React condition), react/react-dom external, immer
 * included or external. What the library loads on demand (`import()`: the write path, the multiplexer,
 * persistence) lands in chunks of its own: "initial" is what the page loads before it can render (the entry and what it imports statically), "full"
 * adds every on-demand chunk. `pnpm bench bundle --dist` measures the built packages (`pnpm build` first) instead
 * of the sources: what an app gets from npm.
 */
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { fmtBytes } from '../lib/format';
import { ROOT_DIR, writeResults } from '../lib/results';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const TARGET_BYTES = 8 * 1024;
/** Issue #12: what an app imports for a single live resource (core + react, useBraid only), initial. */
const SINGLE_RESOURCE_TARGET_BYTES = 12 * 1024;
/**
 * The CI budget (`pnpm bench bundle --check`, in .ci/run): what an app imports, immer external, min+gzip,
 * initial. Set at main's size when it was introduced (17.6 kB early on 1 Dec, 20.8 kB after the text and
 * multiplex landings the same evening) plus a little headroom; it may only go down. Exception: 23 kB for issue
 * #14's client (state machines, write promises, per-request headers, events: +1.6 kB), lowered to 20.5 kB when
 * the multiplexer became an on-demand chunk (20.2 kB initial, 2 Dec); 21.25 kB for issue #15's durable outbox
 * (the hooks in ClientResource and BraidClient, +0.65 kB; IndexedDB, idb and the replica code load on demand);
 * lowered to 13.85 kB (14137 B + 45 B, 2 Dec) when the write path became an on-demand chunk (edits, immer, JSON
 * normalization, diff, transform, PUTs, undo: ResourceWriter), client code stopped importing the protocol barrel,
 * `@braid-live/core` stopped re-exporting the protocol (it is `@braid-live/core/protocol`) and the on-demand
 * chunks share one initial chunk (client/initialCode.ts): 21.2 → 13.8 kB; lowered to 10.82 kB (11050 B + 29 B,
 * 2 Dec) when applying patches moved to the write path's chunk (a first value is a snapshot: JSON.parse; a live
 * update that arrives before the chunk waits for it, in order), FORBIDDEN_KEYS left jsonRange.ts (the content
 * check pulled the whole range parser into the initial chunk) and the parser's patches-only mode (a write's body,
 * server side) became a subclass: 13.8 → 10.8 kB.
 */
const BUDGET_BYTES = 10.82 * 1024;

/** Measure each package's dist/ (what npm ships) rather than its sources. */
const FROM_DIST = process.argv.includes('--dist');

interface Entry {
  id: string;
  label: string;
  source: string;
}

const ENTRIES: Entry[] = [
  {
    id: 'core',
    label: '@braid-live/core + /protocol (client + protocol, whole API)',
    source: "export * from '@braid-live/core';\nexport * from '@braid-live/core/protocol';",
  },
  {
    id: 'core+react',
    label: '@braid-live/core + /protocol + @braid-live/react (whole API)',
    source:
      "export * from '@braid-live/core';\nexport * from '@braid-live/core/protocol';\n" +
      "export * from '@braid-live/react';",
  },
  {
    id: 'app-imports',
    label: 'what an app imports: BraidClient, BraidProvider, useBraid, useBraidSelector, useBraidStatus',
    source:
      "export { BraidClient } from '@braid-live/core';\n" +
      "export { BraidProvider, useBraid, useBraidSelector, useBraidStatus } from '@braid-live/react';",
  },
  {
    id: 'single-resource',
    label: 'a single live resource: BraidProvider, useBraid',
    source: "export { BraidProvider, useBraid } from '@braid-live/react';",
  },
];

interface Size {
  entry: string;
  immer: 'external' | 'included';
  /** The entry chunk and the chunks it imports statically: what loads before the app can render. */
  minBytes: number;
  gzipBytes: number;
  /** Every chunk, on-demand ones included (gzip per chunk, summed: what the browser downloads). */
  fullMinBytes: number;
  fullGzipBytes: number;
  /** The on-demand chunks: their inputs, for the report. */
  lazyInputs: string[];
  /** The biggest inputs in the initial chunks. */
  topInputs: { input: string; bytes: number }[];
  /** Minified bytes per part (core/protocol, core/client, react hooks, each npm package), initial chunks. */
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

const shortInput = (input: string) =>
  input.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'node_modules/');

/** The output files reachable from `entry` by static imports (the entry included). */
function initialChunks(outputs: Metafile['outputs'], entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return seen;
}

async function measure(entry: Entry, immer: Size['immer']): Promise<Size> {
  const external = ['react', 'react/*', 'react-dom', 'react-dom/*'];
  if (immer === 'external') external.push('immer');
  const result = await build({
    stdin: { contents: entry.source, resolveDir: ROOT_DIR, loader: 'ts', sourcefile: `${entry.id}.ts` },
    bundle: true,
    minify: true,
    treeShaking: true,
    splitting: true,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    conditions: FROM_DIST ? ['production'] : ['@braid-live/source', 'production'],
    define: { 'process.env.NODE_ENV': '"production"' },
    external,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entryPath = Object.keys(outputs).find((path) => outputs[path]!.entryPoint)!;
  const initial = initialChunks(outputs, entryPath);
  const bytes = new Map<string, { min: number; gzip: number }>();
  for (const file of result.outputFiles) {
    const path = Object.keys(outputs).find((p) => file.path.endsWith(p.replace(/^out\//, '/')))!;
    bytes.set(path, { min: file.contents.length, gzip: gzipSync(file.contents, { level: 9 }).length });
  }
  const sum = (paths: Iterable<string>, key: 'min' | 'gzip') =>
    [...paths].reduce((total, path) => total + (bytes.get(path)?.[key] ?? 0), 0);
  const inputs = [...initial].flatMap((path) =>
    Object.entries(outputs[path]!.inputs).map(([input, info]) => ({
      input: shortInput(input),
      bytes: info.bytesInOutput,
    })),
  );
  const lazyInputs = Object.keys(outputs)
    .filter((path) => !initial.has(path))
    .flatMap((path) => Object.entries(outputs[path]!.inputs).filter(([, info]) => info.bytesInOutput > 0))
    .map(([input]) => shortInput(input));
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
    minBytes: sum(initial, 'min'),
    gzipBytes: sum(initial, 'gzip'),
    fullMinBytes: sum(bytes.keys(), 'min'),
    fullGzipBytes: sum(bytes.keys(), 'gzip'),
    lazyInputs,
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
    `bundle: esbuild --bundle --minify --splitting (esm, es2020, production), react and react-dom external, ${FROM_DIST ? 'from dist/ (pnpm build)' : 'from sources'}`,
    ['entry', 'immer', 'initial min', 'initial min+gzip', 'full min', 'full min+gzip'],
    sizes.map((s) => [
      ENTRIES.find((e) => e.id === s.entry)!.label,
      s.immer,
      fmtBytes(s.minBytes),
      fmtBytes(s.gzipBytes),
      fmtBytes(s.fullMinBytes),
      fmtBytes(s.fullGzipBytes),
    ]),
  );
  const judged = sizes.find((s) => s.entry === 'core+react' && s.immer === 'external')!;
  const single = sizes.find((s) => s.entry === 'single-resource' && s.immer === 'external')!;
  printTable(
    'bundle: a single live resource (useBraid, immer external) by part, initial, minified bytes before gzip',
    ['part', 'bytes'],
    single.parts.map((p) => [p.part, fmtBytes(p.bytes)]),
  );
  printTable(
    'bundle: largest inputs of a single live resource (immer external), initial, minified bytes before gzip',
    ['input', 'bytes'],
    single.topInputs.map((i) => [i.input, fmtBytes(i.bytes)]),
  );
  console.log(
    `loaded on demand (not in "initial"): ${[...new Set(single.lazyInputs)].join(', ') || 'nothing'}`,
  );
  const withImmer = sizes.find((s) => s.entry === 'core+react' && s.immer === 'included')!;
  const targets: Target[] = [
    {
      name: 'core + react ≤ 8 kB min+gzip (immer external: a peer the app already has)',
      measured: `${fmtBytes(judged.gzipBytes)} (${judged.gzipBytes} B); with immer: ${fmtBytes(withImmer.gzipBytes)}`,
      met: judged.gzipBytes <= TARGET_BYTES,
    },
    {
      name: 'a single live resource (core + react, useBraid) < 12 kB min+gzip, initial (issue #12)',
      measured: `${fmtBytes(single.gzipBytes)} (${single.gzipBytes} B); full ${fmtBytes(single.fullGzipBytes)}`,
      met: single.gzipBytes < SINGLE_RESOURCE_TARGET_BYTES,
    },
  ];
  printTargets('bundle targets', targets);
  writeResults('bundle', { targetBytes: TARGET_BYTES, fromDist: FROM_DIST, sizes, targets });
  const app = sizes.find((s) => s.entry === 'app-imports' && s.immer === 'external')!;
  const withinBudget = app.gzipBytes <= BUDGET_BYTES;
  console.log(
    `bundle: a single live resource (BraidProvider, useBraid) is ${fmtBytes(single.gzipBytes)} (${single.gzipBytes} B) ` +
      `min+gzip initial, ${fmtBytes(single.fullGzipBytes)} (${single.fullGzipBytes} B) with what it loads on demand`,
  );
  console.log(
    `bundle budget: what an app imports for a live resource is ${fmtBytes(app.gzipBytes)} (${app.gzipBytes} B) ` +
      `min+gzip initial (${fmtBytes(app.fullGzipBytes)} full), budget ${BUDGET_BYTES} B: ${withinBudget ? 'within' : 'OVER'}`,
  );
  if (process.argv.includes('--check') && !withinBudget) process.exit(1);
}

await main();
