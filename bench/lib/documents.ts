/**
 * Dashboard-like documents of a given JSON size: a small `config` and a 100-point `series` whose shape never
 * changes, and a `rows` array that grows until the document reaches the size asked for. So a patch on config or
 * series touches the same containers whatever the document size, and a patch on rows touches one that grows.
 */
export interface BenchDoc {
  config: { title: string; thresholds: { cpu: number; memory: number; p99: number } };
  series: { t: number; v: number }[];
  rows: {
    id: number;
    name: string;
    region: string;
    values: { a: number; b: number; c: number };
    tags: string[];
  }[];
}

export function makeDocument(targetBytes: number): { doc: BenchDoc; bytes: number } {
  const doc: BenchDoc = {
    config: { title: 'Operations', thresholds: { cpu: 80, memory: 90, p99: 250 } },
    series: Array.from({ length: 100 }, (_, i) => ({ t: 1_700_000_000 + i, v: (i * 37) % 100 })),
    rows: [],
  };
  const row = (id: number) => ({
    id,
    name: `service-${id}`,
    region: ['eu-west-1', 'us-east-1', 'ap-south-1'][id % 3],
    values: { a: id % 97, b: (id * 7) % 1000, c: (id * 13) % 10_000 },
    tags: ['web', `tier-${id % 4}`],
  });
  // Rows are added while the next one still fits (a row costs its JSON plus a comma).
  let bytes = JSON.stringify(doc).length;
  for (let i = 0; ; i++) {
    const next = row(i);
    const cost = JSON.stringify(next).length + (i > 0 ? 1 : 0);
    if (bytes + cost > targetBytes) break;
    doc.rows.push(next);
    bytes += cost;
  }
  return { doc, bytes: JSON.stringify(doc).length };
}
