/**
 * pnpm bench apply: one json range patch (applyJsonPatch) on a 10 KB, 1 MB and 10 MB document, ops/s each.
 * Options: --ms=500 (measuring time per case).
 */
import { applyJsonPatch, type JsonPatch } from '@braid-live/core/protocol';
import { BenchArgs } from '../lib/args';
import { makeDocument } from '../lib/documents';
import { fmtBytes, fmtMicros, fmtRate, fmtRatio } from '../lib/format';
import { writeResults } from '../lib/results';
import { median, opsPerSecond } from '../lib/stats';
import { printTable } from '../lib/table';
import { printTargets, type Target } from '../lib/targets';

const args = new BenchArgs();
const ms = args.number('ms', 500);
const SIZES = [
  { label: '10 KB', bytes: 10 * 1024 },
  { label: '1 MB', bytes: 1024 * 1024 },
  { label: '10 MB', bytes: 10 * 1024 * 1024 },
];

interface Case {
  id: string;
  label: string;
  patch: JsonPatch;
  /** Judged against the target: the containers on its path are the same size in every document. */
  judged: boolean;
}

const CASES: Case[] = [
  {
    id: 'leaf',
    label: 'set a leaf 3 levels deep (.config.thresholds.cpu)',
    patch: { range: '.config.thresholds.cpu', content: 91 },
    judged: true,
  },
  {
    id: 'append',
    label: 'append to a 100-item array (.series[-0:-0])',
    patch: { range: '.series[-0:-0]', content: [{ t: 1_800_000_000, v: 42 }] },
    judged: true,
  },
  {
    id: 'rows-leaf',
    label: 'set a leaf in the document-sized array (.rows[7].values.a)',
    patch: { range: '.rows[7].values.a', content: 1 },
    judged: false,
  },
  {
    id: 'rows-append',
    label: 'append to the document-sized array (.rows[-0:-0])',
    patch: { range: '.rows[-0:-0]', content: [{ id: -1, name: 'new', region: 'x', values: {}, tags: [] }] },
    judged: false,
  },
];

interface Row {
  case: string;
  document: string;
  documentBytes: number;
  rowsLength: number;
  opsPerSec: number;
  microsPerOp: number;
}

function main(): void {
  const rows: Row[] = [];
  for (const size of SIZES) {
    const { doc, bytes } = makeDocument(size.bytes);
    for (const c of CASES) {
      // Each call applies the patch to the same base document (apply never mutates it), median of 3 samples.
      const samples = [0, 1, 2].map(() => opsPerSecond(() => applyJsonPatch(doc, c.patch), ms / 3));
      const ops = median(samples);
      rows.push({
        case: c.id,
        document: size.label,
        documentBytes: bytes,
        rowsLength: doc.rows.length,
        opsPerSec: ops,
        microsPerOp: 1e6 / ops,
      });
    }
  }

  printTable(
    'apply: one applyJsonPatch on documents of three sizes (ops/s, time per op)',
    ['patch', ...SIZES.map((s) => s.label), '10 MB vs 10 KB'],
    CASES.map((c) => {
      const cells = SIZES.map((s) => rows.find((r) => r.case === c.id && r.document === s.label)!);
      const slowdown = cells[0].opsPerSec / cells[2].opsPerSec;
      return [
        c.label,
        ...cells.map((r) => `${fmtRate(r.opsPerSec)}/s (${fmtMicros(r.microsPerOp)})`),
        `${fmtRatio(slowdown)} slower`,
      ];
    }),
  );
  const sizes = SIZES.map((s) => {
    const r = rows.find((x) => x.document === s.label)!;
    return `${s.label} = ${fmtBytes(r.documentBytes)}, rows[${r.rowsLength}]`;
  });
  console.log(`documents: ${sizes.join('; ')}`);
  console.log(
    'The last two patches walk through `rows`, whose length grows with the document: structural sharing copies\n' +
      'every container on the path, so their cost grows with that array (by design), not with the document.',
  );

  const targets: Target[] = CASES.filter((c) => c.judged).map((c) => {
    const small = rows.find((r) => r.case === c.id && r.document === '10 KB')!;
    const large = rows.find((r) => r.case === c.id && r.document === '10 MB')!;
    const ratio = large.microsPerOp / small.microsPerOp;
    return {
      name: `apply on 10 MB within 2× of 10 KB: ${c.id}`,
      measured: `${fmtMicros(large.microsPerOp)} vs ${fmtMicros(small.microsPerOp)} = ${fmtRatio(ratio)}`,
      met: ratio <= 2,
    };
  });
  printTargets('apply targets', targets);
  writeResults('apply', { msPerCase: ms, rows, targets });
}

main();
