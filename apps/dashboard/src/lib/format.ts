const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number with a fixed number of decimals and digit grouping (formatters are cached: this runs per tick). */
export function formatNumber(value: number, digits = 0): string {
  const key = String(digits);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(key, format);
  }
  return format.format(value);
}

export function formatSigned(value: number, digits = 2): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${formatNumber(Math.abs(value), digits)}`;
}

/** "just now", "12 s ago", "4 min ago", or a time of day. */
export function formatAgo(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 3) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const date = new Date(time);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function formatClock(time: number): string {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A version id short enough for a chip: `otter-k3j9-12` stays, long server ids keep their head and counter. */
export function shortVersion(version: readonly string[] | string | undefined): string {
  const id = Array.isArray(version) ? version[0] : (version as string | undefined);
  if (!id) return 'initial';
  if (id.length <= 14) return id;
  const match = /^(.*)-(\d+)$/.exec(id);
  return match ? `${match[1].slice(0, 6)}…-${match[2]}` : `${id.slice(0, 12)}…`;
}
