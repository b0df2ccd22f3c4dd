// Loads the simpleton recordings in ../fixtures/braid-wire-text/ (copied from ../shared/braid-wire/text): a `# `
// comment block with a part table (`# N offset length dir conn what`), one blank line, then the parts' bytes.
import { readFileSync } from 'node:fs';

export interface RecordedPart {
  index: number;
  dir: 'draft' | 'c2s' | 's2c';
  conn: number;
  what: string;
  /** The step line above the part in the table (`step 4: S types "!" …`). */
  step: string;
  bytes: Buffer;
}

const DIR = new URL('../fixtures/braid-wire-text/', import.meta.url);
const PART = /^# (\d+)\s+(\d+)\s+(\d+)\s+(draft|c2s|s2c)\s+(\S+)\s+(.*)$/;

export function loadTextRecording(name: string): RecordedPart[] {
  const file = readFileSync(new URL(name, DIR));
  const blank = file.indexOf('\n\n');
  const comments = file.subarray(0, blank).toString('utf8').split('\n');
  const data = file.subarray(blank + 2);
  const parts: RecordedPart[] = [];
  let step = '';
  for (const line of comments) {
    if (/^#\s+step /.test(line)) step = line.replace(/^#\s+/, '');
    const m = PART.exec(line);
    if (!m) continue;
    const offset = Number(m[2]);
    parts.push({
      index: Number(m[1]),
      dir: m[4] as RecordedPart['dir'],
      conn: m[5] === '-' ? 0 : Number(m[5]),
      what: m[6],
      step,
      bytes: data.subarray(offset, offset + Number(m[3])),
    });
  }
  return parts;
}

/** Status, reason, headers (lower-cased names, in order) and the bytes after the head. */
export function splitHead(bytes: Buffer): {
  status: number;
  reason: string;
  headers: [string, string][];
  rest: Buffer;
} {
  const end = bytes.indexOf('\r\n\r\n');
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!m) throw new Error(`not a response head: ${JSON.stringify(lines[0])}`);
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status: Number(m[1]), reason: m[2], headers, rest: bytes.subarray(end + 4) };
}
