/**
 * pnpm bench schema: what a Standard Schema costs a write. braid.patch (in process, memoryStore) on a resource
 * without a schema, with zod 4 and with valibot 1, on a 20-card (~1 KB) and a 2,000-card (~100 KB) document;
 * every write changes 3 fields (3 patches). Counts the schema's runs to show the bound: one per write, not per
 * patch. Options: --writes=400 (per case and sample).
 */
import { defineResource, type StandardSchemaV1 } from '@braid-live/core/protocol';
import { createBraidServer, memoryStore } from '@braid-live/server';
import * as v from 'valibot';
import { z } from 'zod';
import { BenchArgs } from '../lib/args';
import { fmtMicros, fmtRatio } from '../lib/format';
import { writeResults } from '../lib/results';
import { median } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const args = new BenchArgs();
const writes = args.number('writes', 400);

const ZodBoard = z.object({
  title: z.string().min(1),
  cards: z.array(
    z.object({ id: z.string(), title: z.string().max(200), votes: z.number().int(), done: z.boolean() }),
  ),
});
const ValibotBoard = v.object({
  title: v.pipe(v.string(), v.minLength(1)),
  cards: v.array(
    v.object({
      id: v.string(),
      title: v.pipe(v.string(), v.maxLength(200)),
      votes: v.pipe(v.number(), v.integer()),
      done: v.boolean(),
    }),
  ),
});
type Board = z.infer<typeof ZodBoard>;

function board(cards: number): Board {
  return {
    title: 'Ideas',
    cards: Array.from({ length: cards }, (_, i) => ({
      id: `c${i}`,
      title: `card number ${i}`,
      votes: 0,
      done: false,
    })),
  };
}

/** The schema, counting its runs. */
function counting(schema: StandardSchemaV1): { schema: StandardSchemaV1; runs: () => number } {
  let runs = 0;
  const props = schema['~standard'];
  return {
    schema: {
      '~standard': {
        ...props,
        validate: (value: unknown) => {
          runs++;
          return props.validate(value);
        },
      },
    },
    runs: () => runs,
  };
}

const VARIANTS = [
  { id: 'none', label: 'no schema', schema: undefined },
  { id: 'zod', label: 'zod 4', schema: ZodBoard as StandardSchemaV1 },
  { id: 'valibot', label: 'valibot 1', schema: ValibotBoard as StandardSchemaV1 },
] as const;
const DOCUMENTS = [
  { id: 'small', label: '20 cards (~1 KB)', cards: 20 },
  { id: 'large', label: '2,000 cards (~100 KB)', cards: 2000 },
];

/** µs per write for `writes` sequential braid.patch calls; the schema's runs and the patches written. */
async function measure(cards: number, schema: StandardSchemaV1 | undefined) {
  const braid = createBraidServer({ store: memoryStore(), onError: () => {} });
  const counted = schema ? counting(schema) : undefined;
  const doc = defineResource<Board>('/board');
  braid.resource('/board', {
    initial: board(cards),
    ...(counted ? { schema: counted.schema as StandardSchemaV1<unknown, Board> } : {}),
  });
  const write = (i: number) =>
    braid.patch(doc, (d) => {
      const card = d.cards[i % cards];
      card.votes += 1;
      card.done = !card.done;
      card.title = `card ${i}`;
    });
  for (let i = 0; i < 50; i++) await write(i); // warm-up
  const runsBefore = counted?.runs() ?? 0;
  const patchesBefore = (await braid.history(doc, { limit: 1 }))[0].patches.length;
  const start = performance.now();
  for (let i = 0; i < writes; i++) await write(i);
  const micros = ((performance.now() - start) * 1000) / writes;
  const runs = (counted?.runs() ?? 0) - runsBefore;
  await braid.close();
  return { micros, runs, patchesPerWrite: patchesBefore };
}

interface Row {
  document: string;
  variant: string;
  microsPerWrite: number;
  overVsNone: number;
  schemaRunsPerWrite: number;
  patchesPerWrite: number;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const document of DOCUMENTS) {
    const samples = new Map<string, number[]>(VARIANTS.map((variant) => [variant.id, []]));
    const runs = new Map<string, number>();
    let patchesPerWrite = 0;
    // One discarded round warms the JIT for every variant; then variants interleaved, median of 5: a slow
    // moment of the machine hits all of them alike.
    for (const variant of VARIANTS) await measure(document.cards, variant.schema);
    for (let sample = 0; sample < 5; sample++) {
      for (const variant of VARIANTS) {
        const result = await measure(document.cards, variant.schema);
        samples.get(variant.id)!.push(result.micros);
        runs.set(variant.id, result.runs);
        patchesPerWrite = result.patchesPerWrite;
      }
    }
    const none = median(samples.get('none')!);
    for (const variant of VARIANTS) {
      const micros = median(samples.get(variant.id)!);
      rows.push({
        document: document.id,
        variant: variant.id,
        microsPerWrite: micros,
        overVsNone: micros / none,
        schemaRunsPerWrite: (runs.get(variant.id) ?? 0) / writes,
        patchesPerWrite,
      });
    }
  }
  printTable(
    `schema: braid.patch µs per write (${writes} writes, 3 patches each, median of 5)`,
    ['document', 'schema', 'µs / write', 'vs no schema', 'schema runs / write'],
    rows.map((r) => [
      DOCUMENTS.find((d) => d.id === r.document)!.label,
      VARIANTS.find((x) => x.id === r.variant)!.label,
      fmtMicros(r.microsPerWrite),
      fmtRatio(r.overVsNone),
      r.variant === 'none' ? '-' : r.schemaRunsPerWrite.toFixed(2),
    ]),
  );
  const withSchema = rows.filter((r) => r.variant !== 'none');
  const targets: Target[] = [
    {
      name: 'schema: one schema run per write, not per patch (3 patches per write)',
      measured: withSchema
        .map((r) => `${r.variant}/${r.document} ${r.schemaRunsPerWrite.toFixed(2)}`)
        .join(', '),
      met: withSchema.every((r) => r.schemaRunsPerWrite === 1) && rows.every((r) => r.patchesPerWrite === 3),
    },
    {
      name: 'schema: on a ~1 KB document a schema adds at most 100 µs to a write',
      measured: withSchema
        .filter((r) => r.document === 'small')
        .map((r) => `${r.variant} +${fmtMicros(r.microsPerWrite - r.microsPerWrite / r.overVsNone)}`)
        .join(', '),
      met: withSchema
        .filter((r) => r.document === 'small')
        .every((r) => r.microsPerWrite - r.microsPerWrite / r.overVsNone <= 100),
    },
  ];
  printTargets('schema targets', targets);
  writeResults('schema', { writes, rows, targets });
}

await main();
