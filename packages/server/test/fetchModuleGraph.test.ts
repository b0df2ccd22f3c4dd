// Nothing on braid.fetch's path imports node:http (or any other Node networking module): the package entry
// is bundled with esbuild and every import in its module graph is listed. (Type-only imports vanish.) The
// examples run the same entry under Bun and Deno, which have no node:http server of their own in the path.
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const NETWORKING = /^(node:)?(http|https|http2|net|tls|dgram|cluster)$/;

it('the package entry (createBraidServer, braid.fetch) imports no node networking module', async () => {
  const result = await build({
    entryPoints: [join(import.meta.dirname, '../src/index.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    external: ['immer'],
    conditions: ['@braid-live/source'],
  });
  const imports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.map((entry) => ({ file, path: entry.path })),
  );
  expect(imports.length).toBeGreaterThan(10); // the scan saw the graph
  expect(imports.filter((entry) => NETWORKING.test(entry.path))).toEqual([]);
  // What Node modules it does use: the file store's (Node, Bun and Deno all have them).
  const nodeModules = new Set(imports.filter((e) => e.path.startsWith('node:')).map((e) => e.path));
  for (const name of nodeModules) expect(name).toMatch(/^node:(fs|fs\/promises|path|crypto|buffer|zlib)$/);
});
