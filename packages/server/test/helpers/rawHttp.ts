import net from 'node:net';

export interface RawResponse {
  status: number;
  reason: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

/**
 * Sends exact bytes on a fresh connection and parses `methods.length` responses (one per request sent, in
 * order; the methods tell which responses have no body). Rejects after `timeoutMs`.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  methods: string[] = ['GET'],
  timeoutMs = 5000,
): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let ended = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawExchange: timed out with ${responses.length}/${methods.length} responses`));
    }, timeoutMs);
    const tryParse = () => {
      while (responses.length < methods.length) {
        const parsed = parseResponse(buffer, methods[responses.length] === 'HEAD', ended);
        if (!parsed) return;
        responses.push(parsed.response);
        buffer = buffer.subarray(parsed.consumed);
      }
      clearTimeout(timer);
      socket.destroy();
      resolve(responses);
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      tryParse();
    });
    socket.on('end', () => {
      ended = true;
      tryParse();
      if (responses.length < methods.length) {
        clearTimeout(timer);
        reject(
          new Error(`rawExchange: connection closed after ${responses.length}/${methods.length} responses`),
        );
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** One request, one response. */
export async function rawRequest(
  port: number,
  bytes: string | Buffer,
  timeoutMs?: number,
): Promise<RawResponse> {
  const method = String(bytes).slice(0, String(bytes).indexOf(' '));
  return (await rawExchange(port, bytes, [method], timeoutMs))[0];
}

/** Builds request bytes: `request('PUT', '/doc', {Version: '"a"'}, body)`. Content-Length added when there is a body. */
export function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
) {
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  const bodyBytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (bodyBytes && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))) {
    head += `Content-Length: ${bodyBytes.length}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bodyBytes ?? Buffer.alloc(0)]);
}

export function parseHead(text: string): { status: number; reason: string; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), reason: m[2], headers };
}

function parseResponse(
  buffer: Buffer,
  isHead: boolean,
  ended: boolean,
): { response: RawResponse; consumed: number } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const { status, reason, headers } = parseHead(buffer.subarray(0, headEnd).toString('latin1'));
  const start = headEnd + 4;
  let body: Buffer;
  let consumed: number;
  if (isHead || status === 204 || status === 304 || status < 200) {
    body = Buffer.alloc(0);
    consumed = start;
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buffer.length < start + length) return undefined;
    body = buffer.subarray(start, start + length);
    consumed = start + length;
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const decoded = dechunk(buffer.subarray(start));
    if (!decoded?.complete) return undefined;
    body = decoded.body;
    consumed = start + decoded.consumed;
  } else {
    if (!ended) return undefined;
    body = buffer.subarray(start);
    consumed = buffer.length;
  }
  return { response: { status, reason, headers, body, text: body.toString('utf8') }, consumed };
}

/** Decodes chunked framing as far as it goes. */
export function dechunk(bytes: Buffer): { body: Buffer; consumed: number; complete: boolean } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) {
      if (bytes.length < lineEnd + 4) break;
      return { body: Buffer.concat(parts), consumed: lineEnd + 4, complete: true };
    }
    if (bytes.length < lineEnd + 2 + size + 2) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return { body: Buffer.concat(parts), consumed: at, complete: false };
}
