import { BraidProtocolError } from './errors';

// Codecs for the small Braid-HTTP header values: Version/Parents, Heartbeats, Content-Range, Subscribe.
// Pure string functions: they run in browsers and in Node alike.

/**
 * Parses a `Version` or `Parents` header value: comma-separated JSON strings (`"a1", "b7"`), read as the
 * elements of a JSON array. An empty (or all-whitespace) value is `[]`. Anything that is not exactly a list of
 * JSON strings throws BraidProtocolError('bad-version'); no input makes it throw anything else.
 */
export function parseVersions(headerValue: string): string[] {
  if (typeof headerValue !== 'string') throw badVersion(headerValue, 'not a string');
  if (SIMPLE_ID.test(headerValue)) return [headerValue.slice(1, -1)]; // the common case, without JSON.parse
  let parsed: unknown;
  try {
    // Safe to wrap: text that closes our '[' early leaves our ']' dangling, which JSON.parse rejects.
    parsed = JSON.parse(`[${headerValue}]`);
  } catch {
    throw badVersion(headerValue, 'not a comma-separated list of JSON strings');
  }
  const ids = parsed as unknown[];
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'string') throw badVersion(headerValue, `element ${i + 1} is not a JSON string`);
  }
  return ids as string[];
}

// One JSON string without escapes: nothing inside that JSON would treat specially or reject.
const SIMPLE_ID = /^"[^"\\\x00-\x1f]*"$/;

/** Formats ids as a `Version`/`Parents` value: `"a1", "b7"`, pure printable ASCII (others as `\uXXXX`). */
export function formatVersions(ids: readonly string[]): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'string') throw new TypeError(`formatVersions: id ${i} is not a string`);
    if (i > 0) out += ', ';
    out += asciiJsonString(id);
  }
  return out;
}

const HAS_NON_PRINTABLE = /[^\x20-\x7e]/;
const NON_PRINTABLE = /[^\x20-\x7e]/g;
const escapeUnit = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON.stringify, then every UTF-16 unit outside printable ASCII (incl. DEL) as a lower-case `\uXXXX`. */
function asciiJsonString(s: string): string {
  const json = JSON.stringify(s);
  return HAS_NON_PRINTABLE.test(json) ? json.replace(NON_PRINTABLE, escapeUnit) : json;
}

function badVersion(value: unknown, why: string): BraidProtocolError {
  return new BraidProtocolError('bad-version', `Bad Version/Parents ${preview(value)}: ${why}`);
}

const HEARTBEATS = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|ms)?\s*$/i;

/**
 * Parses a `Heartbeats` value into seconds: `20s`, `0.3s`, `20`, `500ms`. Returns undefined for anything
 * else, and for zero or negative intervals (a zero interval would mean a heartbeat loop with no pause).
 */
export function parseHeartbeats(value: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = HEARTBEATS.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const seconds = m[2]?.toLowerCase() === 'ms' ? n / 1000 : n;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

// An HTTP token (RFC 9110 tchar), used for range units.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Control characters other than HTAB have no place in a header value.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Parses `Content-Range: <unit> <range>`: `json .a.b` → {unit: 'json', range: '.a.b'}; `json` → range ''.
 * The range is everything after the first run of spaces (it may itself contain spaces, e.g. `["a b"]`).
 * A missing or non-token unit, or control characters, throw BraidProtocolError('bad-range').
 */
export function parseContentRange(value: string): { unit: string; range: string } {
  if (typeof value !== 'string') throw badRange(value);
  // The common case, `json <range>` in printable ASCII, without regexes (this runs once per patch).
  if (value.startsWith('json ') && value.charCodeAt(5) !== 32 && isPrintableAscii(value)) {
    return { unit: 'json', range: value.endsWith(' ') ? value.slice(5).trimEnd() : value.slice(5) };
  }
  if (CONTROL.test(value)) throw badRange(value);
  const trimmed = value.trim();
  const sp = trimmed.search(/[ \t]/);
  const unit = sp < 0 ? trimmed : trimmed.slice(0, sp);
  if (!TOKEN.test(unit)) throw badRange(value);
  return { unit, range: sp < 0 ? '' : trimmed.slice(sp).trimStart() };
}

function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function badRange(value: unknown): BraidProtocolError {
  return new BraidProtocolError(
    'bad-range',
    `Bad Content-Range ${preview(value)}: expected "<unit> <range>"`,
  );
}

/**
 * Whether a request's `Subscribe` header asks for a subscription: present with `true` (1.3.x), `?1` (1.4.x)
 * or an empty value → true; absent, `false` or `?0` → false. Other present values count as a request.
 */
export function isSubscribeRequest(value: string | null | undefined): boolean {
  if (value == null) return false;
  const v = value.trim().toLowerCase();
  return v !== 'false' && v !== '?0';
}

/** A short, printable rendering of untrusted input for error messages. */
export function preview(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
