import { createHash } from 'node:crypto';

/**
 * Maps a resource path (anything a URL can hold) to the name of its log file, inside the store directory.
 *
 * Name: `<hint>.<key>.log`
 * - `hint`: a short readable label (`/api/doc` -> `api-doc`), only for humans; chars [a-z0-9-], never a dot.
 * - `key`: `b` + base32 of the path's UTF-8 bytes when that fits, else `h` + base32 of a SHA-256 of the path.
 *
 * Why it is safe and collision-free:
 * - the name only holds [a-z0-9.-] and never starts with a dot: no `/`, no NUL, no `..`, no hidden file,
 *   so it can never leave the directory;
 * - the hint has no dot, so the key is everything between the first and the last dot; `b` keys are
 *   injective (base32 is), `h` keys are as collision-free as SHA-256, and the two never equal each other;
 *   the log header also stores the exact path, and loading checks it (a hash collision is reported, never mixed);
 * - base32 is lower-case only, so names stay distinct on case-insensitive file systems too (base64url would not);
 * - names stay under 255 bytes (Linux NAME_MAX) whatever the path length.
 */
export function resourceFileName(path: string): string {
  const hint = readableHint(path);
  return `${hint}.${resourceKey(path, MAX_NAME_BYTES - hint.length - '..log'.length)}.log`;
}

/** Stays well below NAME_MAX (255) so that tools which add a suffix still have room. */
const MAX_NAME_BYTES = 200;
const MAX_HINT_CHARS = 32;

function readableHint(path: string): string {
  const hint = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_HINT_CHARS)
    .replace(/-+$/, '');
  return hint || 'root';
}

function resourceKey(path: string, maxChars: number): string {
  // A lone UTF-16 surrogate has no UTF-8 form (Buffer turns it into U+FFFD, which would merge distinct paths):
  // such paths are hashed over their UTF-16 code units instead, in a separate hash domain.
  if (!LONE_SURROGATE.test(path)) {
    const direct = `b${base32(Buffer.from(path, 'utf8'))}`;
    if (direct.length <= maxChars) return direct;
    return `h${base32(sha256('utf8', Buffer.from(path, 'utf8')))}`;
  }
  return `h${base32(sha256('utf16le', Buffer.from(path, 'utf16le')))}`;
}

/** With the `u` flag a surrogate pair is one code point, so this class only matches unpaired surrogates. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function sha256(domain: string, bytes: Buffer): Buffer {
  return createHash('sha256').update(`braid-live path ${domain}\0`).update(bytes).digest();
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower-case, unpadded (the length alone tells how many bytes were encoded). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
