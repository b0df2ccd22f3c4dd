/** Number formatting for tables: short, fixed-ish precision, thousands grouped. */

export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** 1234567 → "1.23M", 45210 → "45.2k", 950 → "950". */
export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  if (n >= 100) return n.toFixed(0);
  return n.toFixed(1);
}

/** Microseconds as a human duration: "850 µs", "12.3 ms", "2.41 s". */
export function fmtMicros(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 0)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

export function fmtMs(ms: number): string {
  return fmtMicros(ms * 1000);
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 10 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${fmtInt(n)} B`;
}

export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
}
