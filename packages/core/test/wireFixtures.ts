// Loads the recorded Braid-HTTP traffic in ./fixtures/braid-wire/ as exact bytes (tests only: uses node:fs).
//
// Recording format: `#` comment lines; sections headed by `########## <title>` lines; inside a section `\r`,
// `\n` and `\xNN` are escapes, every `\n` is followed by a real line break (not a byte), and a last line without
// `\n` (a body without a final newline) is followed by one too. Other backslashes are literal (`\u00e9`).
import { readdirSync, readFileSync } from 'node:fs';

export const FIXTURES_DIR = new URL('./fixtures/braid-wire/', import.meta.url);

export interface RecordingSection {
  /** The header line's text after `##########`, e.g. `RESPONSE (dechunked)`. */
  title: string;
  bytes: Uint8Array;
}

export interface Recording {
  name: string;
  /** Comment lines (without `# `), from the top and between sections. */
  comments: string[];
  sections: RecordingSection[];
}

export interface HttpMessage {
  startLine: string;
  /** Header fields in order, names as written. */
  fields: [string, string][];
  /** Lower-cased names; repeated fields joined with ', '. */
  headers: Record<string, string>;
  /** The body (de-chunked when the message was chunked and `dechunk` was asked). */
  body: Uint8Array;
}

/** File names of the .txt recordings. */
export function recordingNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort();
}

/** File names under raw/. */
export function rawNames(): string[] {
  return readdirSync(new URL('raw/', FIXTURES_DIR)).sort();
}

export function readRaw(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`raw/${name}`, FIXTURES_DIR)));
}

export function loadRecording(name: string): Recording {
  const text = readFileSync(new URL(name, FIXTURES_DIR), 'utf8');
  const comments: string[] = [];
  const sections: RecordingSection[] = [];
  let current: { title: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) sections.push({ title: current.title, bytes: decodeSection(current.lines, comments) });
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('##########')) {
      flush();
      current = { title: line.replace(/^#+\s*/, ''), lines: [] };
    } else if (current) current.lines.push(line);
    else if (line.startsWith('#')) comments.push(line.replace(/^#\s?/, ''));
    else if (line.trim() !== '')
      throw new Error(`${name}: unexpected text before the first section: ${line}`);
  }
  flush();
  return { name, comments, sections };
}

/**
 * A section's bytes: lines ending in a literal `\n` are data; the first line that does not is the last data
 * (a body without a final newline; often empty); what follows it may only be blank lines or `#` comments.
 */
function decodeSection(lines: string[], comments: string[]): Uint8Array {
  let data = '';
  let i = 0;
  for (; i < lines.length; i++) {
    data += lines[i];
    if (!lines[i].endsWith('\\n')) break;
  }
  for (i++; i < lines.length; i++) {
    if (lines[i].startsWith('#')) comments.push(lines[i].replace(/^#\s?/, ''));
    else if (lines[i].trim() !== '') throw new Error(`data after the end of a section: ${lines[i]}`);
  }
  return unescapeBytes(data);
}

/** `\r` → 13, `\n` → 10, `\xNN` → byte NN; every other character is one byte (the files are ASCII). */
export function unescapeBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new Error(`non-ASCII character in a recording: ${s[i]}`);
    if (c === 0x5c) {
      const next = s[i + 1];
      if (next === 'r' || next === 'n') {
        out.push(next === 'r' ? 13 : 10);
        i++;
        continue;
      }
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
        out.push(Number.parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
    }
    out.push(c);
  }
  return Uint8Array.from(out);
}

/**
 * Reads consecutive HTTP/1.1 messages (keep-alive requests in one capture, or one response). A body is
 * Content-Length bytes, or chunked (de-chunked when `dechunk`; a stream cut before the last chunk is fine),
 * or, with neither, the rest of the input for a response / nothing for a request.
 */
export function readHttpMessages(bytes: Uint8Array, options: { dechunk?: boolean } = {}): HttpMessage[] {
  const messages: HttpMessage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = indexOfBytes(bytes, [13, 10, 13, 10], at);
    if (headEnd < 0) throw new Error(`no end of HTTP head at byte ${at}`);
    const lines = latin1(bytes.subarray(at, headEnd)).split('\r\n');
    const startLine = lines[0];
    const fields = lines.slice(1).map((l): [string, string] => {
      const colon = l.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line in a recording: ${l}`);
      return [l.slice(0, colon), l.slice(colon + 1).trim()];
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of fields) {
      const key = k.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${v}` : v;
    }
    at = headEnd + 4;
    let body: Uint8Array;
    if (headers['transfer-encoding'] === 'chunked' && options.dechunk) {
      const { body: b, next } = dechunk(bytes, at);
      body = b;
      at = next;
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      body = bytes.slice(at, at + n);
      if (body.length !== n) throw new Error('recorded body shorter than its Content-Length');
      at += n;
    } else if (startLine.startsWith('HTTP/')) {
      body = bytes.slice(at);
      at = bytes.length;
    } else body = new Uint8Array(0);
    messages.push({ startLine, fields, headers, body });
  }
  return messages;
}

/** The only HTTP message in `bytes`. */
export function readHttpMessage(bytes: Uint8Array, options: { dechunk?: boolean } = {}): HttpMessage {
  const messages = readHttpMessages(bytes, options);
  if (messages.length !== 1) throw new Error(`expected one HTTP message, found ${messages.length}`);
  return messages[0];
}

/** De-chunks an HTTP/1.1 chunked body starting at `from`; stops at the last chunk or the end of input. */
export function dechunk(bytes: Uint8Array, from = 0): { body: Uint8Array; next: number } {
  const parts: Uint8Array[] = [];
  let at = from;
  while (at < bytes.length) {
    const lineEnd = indexOfBytes(bytes, [13, 10], at);
    if (lineEnd < 0) throw new Error(`truncated chunk size line at byte ${at}`);
    const size = Number.parseInt(latin1(bytes.subarray(at, lineEnd)).split(';')[0], 16);
    if (!Number.isFinite(size)) throw new Error(`bad chunk size at byte ${at}`);
    at = lineEnd + 2;
    if (size === 0) {
      at = indexOfBytes(bytes, [13, 10], at) + 2; // no trailers in these recordings
      break;
    }
    if (at + size + 2 > bytes.length) throw new Error(`truncated chunk at byte ${at}`);
    parts.push(bytes.subarray(at, at + size));
    if (bytes[at + size] !== 13 || bytes[at + size + 1] !== 10)
      throw new Error(`no CRLF after chunk at ${at}`);
    at += size + 2;
  }
  return { body: concatBytes(parts), next: at };
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function indexOfBytes(bytes: Uint8Array, needle: number[], from: number): number {
  for (let i = bytes.indexOf(needle[0], from); i >= 0; i = bytes.indexOf(needle[0], i + 1)) {
    if (needle.every((b, k) => bytes[i + k] === b)) return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** A subscription recording's 209 response body, de-chunked, from its first RESPONSE section (or raw .bin). */
export function subscriptionBodies(
  recording: Recording,
): { title: string; status: number; body: Uint8Array }[] {
  const out: { title: string; status: number; body: Uint8Array }[] = [];
  for (const section of recording.sections) {
    if (!/RESPONSE/.test(section.title)) continue;
    const alreadyDechunked = /dechunked|chunked framing removed/i.test(section.title);
    const message = readHttpMessage(section.bytes, { dechunk: !alreadyDechunked });
    const status = Number(message.startLine.split(' ')[1]);
    if (status === 209) out.push({ title: section.title, status, body: message.body });
  }
  return out;
}
