import { BraidProtocolError } from './errors';

// Multiplexing v1.0 (braid-http): several responses share one long-lived response body, as frames:
//   start response <id>\r\n
//   <n> bytes for response <id>\r\n<n bytes>
//   close response <id>\r\n
// with any number of CRLFs between frames. A multiplexed response's bytes are a whole HTTP/1.1 response:
// status line, headers, blank line, then its body.

export const MULTIPLEX_VERSION = '1.0';
export const MULTIPLEXER_PATH = '/.well-known/multiplexer/';
/** Ids are base64url; long ids are refused rather than buffered. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_FRAME_LINE = 256;
const ascii = new TextDecoder('latin1');

export interface MultiplexHandlers {
  start(id: string): void;
  data(id: string, bytes: Uint8Array): void;
  close(id: string): void;
}

export const multiplexStartFrame = (id: string) => `start response ${id}\r\n`;
export const multiplexDataHeader = (id: string, length: number) => `${length} bytes for response ${id}\r\n`;
export const multiplexCloseFrame = (id: string) => `close response ${id}\r\n`;
export const isMultiplexId = (id: string) => ID.test(id);

/**
 * Incremental parser of a multiplexer stream. Data is handed out as copies (each response's consumer keeps it).
 * Malformed frames throw BraidProtocolError from push; after that the parser is dead.
 */
export function createMultiplexParser(handlers: MultiplexHandlers): { push(bytes: Uint8Array): void } {
  let buffer = new Uint8Array(0);
  let remaining = 0; // bytes still owed to `current`
  let current = '';
  let dead = false;
  return {
    push(bytes: Uint8Array) {
      if (dead) throw new BraidProtocolError('bad-multiplex', 'multiplex parser already failed');
      let input = buffer.length ? concat(buffer, bytes) : bytes;
      let at = 0;
      try {
        while (at < input.length) {
          if (remaining > 0) {
            const n = Math.min(remaining, input.length - at);
            handlers.data(current, input.slice(at, at + n));
            remaining -= n;
            at += n;
            continue;
          }
          if (input[at] === 13 || input[at] === 10) {
            at++;
            continue;
          }
          const end = input.indexOf(10, at);
          if (end < 0) {
            if (input.length - at > MAX_FRAME_LINE)
              throw new BraidProtocolError('bad-multiplex', 'multiplex frame line too long');
            break;
          }
          const line = ascii.decode(input.subarray(at, end)).replace(/\r$/, '');
          at = end + 1;
          const frame = parseFrameLine(line);
          if (frame.kind === 'data') {
            current = frame.id;
            remaining = frame.length;
            if (remaining === 0) handlers.data(current, new Uint8Array(0));
          } else if (frame.kind === 'start') handlers.start(frame.id);
          else handlers.close(frame.id);
        }
      } catch (error) {
        dead = true;
        throw error;
      }
      input = input.subarray(at);
      buffer = input.length ? input.slice() : new Uint8Array(0);
    },
  };
}

function parseFrameLine(
  line: string,
): { kind: 'start' | 'close'; id: string } | { kind: 'data'; id: string; length: number } {
  const words = line.split(' ');
  if (
    words.length === 3 &&
    words[1] === 'response' &&
    (words[0] === 'start' || words[0] === 'close') &&
    ID.test(words[2])
  ) {
    return { kind: words[0], id: words[2] };
  }
  if (
    words.length === 5 &&
    /^\d{1,12}$/.test(words[0]) &&
    words[1] === 'bytes' &&
    words[2] === 'for' &&
    words[3] === 'response' &&
    ID.test(words[4])
  ) {
    return { kind: 'data', id: words[4], length: Number(words[0]) };
  }
  throw new BraidProtocolError('bad-multiplex', `bad multiplex frame ${JSON.stringify(line.slice(0, 80))}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** Bytes the head took (the body starts there). */
  length: number;
}

/** Parses an HTTP/1.x response head at the start of `bytes`; undefined until the blank line has arrived. */
export function parseResponseHead(bytes: Uint8Array, maxBytes = 64 * 1024): ResponseHead | undefined {
  let end = -1;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) {
    if (bytes[i + 1] === 10) {
      end = i + 2;
      break;
    }
    if (bytes[i + 1] === 13 && bytes[i + 2] === 10) {
      end = i + 3;
      break;
    }
  }
  if (end < 0) {
    if (bytes.length > maxBytes)
      throw new BraidProtocolError('bad-multiplex', 'multiplexed response head too large');
    return undefined;
  }
  const lines = ascii.decode(bytes.subarray(0, end)).split(/\r?\n/);
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!status)
    throw new BraidProtocolError('bad-multiplex', `bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new BraidProtocolError('bad-multiplex', `bad header line ${JSON.stringify(line.slice(0, 80))}`);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(status[1]), statusText: status[2] ?? '', headers, length: end };
}
