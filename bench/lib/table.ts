/** Prints a plain-text table: a title, a header row, aligned columns (numbers right-aligned). */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((row) => /^[\d.,\-–—+<>~×%]/.test(String(row[c] ?? '—'))),
  );
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric[c] && c > 0 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}
