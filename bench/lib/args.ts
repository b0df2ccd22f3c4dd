/**
 * Options of a benchmark, from its command line: `--runs=1 --subs=100,1000 --quick`. Everything after the
 * benchmark's name in `pnpm bench fanout --runs=1` arrives here.
 */
export class BenchArgs {
  private readonly values = new Map<string, string>();

  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (const arg of argv) {
      const match = arg.match(/^--([\w-]+)(?:=(.*))?$/);
      if (match) this.values.set(match[1], match[2] ?? 'true');
    }
  }

  flag(name: string): boolean {
    const v = this.values.get(name);
    return v !== undefined && v !== 'false' && v !== '0';
  }

  number(name: string, fallback: number): number {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
    return n;
  }

  list(name: string, fallback: string[]): string[] {
    const v = this.values.get(name);
    return v === undefined ? fallback : v.split(',').filter(Boolean);
  }

  numbers(name: string, fallback: number[]): number[] {
    return this.list(name, fallback.map(String)).map(Number);
  }
}
