import net from 'node:net';
import { applyJsonPatches, createUpdateParser, type JsonPatch, type Update } from '@braid-live/core/protocol';
import { dechunk, parseHead } from './rawHttp';
import { eventually } from './server';

const utf8 = new TextDecoder();

/** The json patches of a parsed update (or one whole-document patch for a snapshot). */
export function updatePatches(update: Update): JsonPatch[] {
  if (update.body) return [{ range: '', content: JSON.parse(utf8.decode(update.body)) }];
  return (update.patches ?? []).map((p) =>
    p.content.length ? { range: p.range, content: JSON.parse(utf8.decode(p.content)) } : { range: p.range },
  );
}

/**
 * A subscriber on a raw socket: sends exact request bytes, parses the 209 head, then feeds the body to the
 * core's update parser and keeps the document up to date by applying each update.
 */
export class RawSubscriber {
  status = 0;
  headers: Record<string, string> = {};
  readonly updates: Update[] = [];
  value: unknown;
  version: string[] = [];
  bodyBytes = 0;
  closed = false;
  error: unknown;
  readonly socket: net.Socket;
  private head = Buffer.alloc(0);
  private gotHead = false;
  private chunked = false;
  private pendingChunked = Buffer.alloc(0);
  private readonly parser = createUpdateParser((update) => this.onUpdate(update));

  private constructor(port: number, requestBytes: string | Buffer) {
    this.socket = net.connect(port, '127.0.0.1', () => this.socket.write(requestBytes));
    this.socket.on('data', (data) => this.onData(data));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', (error) => (this.error = error));
  }

  /** Opens a subscription and waits for the response head. */
  static async open(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<RawSubscriber> {
    let head = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'subscribe'))
      head += 'Subscribe: true\r\n';
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return RawSubscriber.fromBytes(port, `${head}\r\n`);
  }

  static async fromBytes(port: number, requestBytes: string | Buffer): Promise<RawSubscriber> {
    const subscriber = new RawSubscriber(port, requestBytes);
    await eventually(() => subscriber.gotHead || subscriber.closed, 5000, 'subscription head');
    return subscriber;
  }

  /** Waits until the subscriber has seen `version` (as its latest or any update). */
  waitForVersion(version: string, timeoutMs = 5000): Promise<unknown> {
    return eventually(
      () => this.updates.some((u) => u.version.includes(version)),
      timeoutMs,
      `version ${version} on the subscription`,
    );
  }

  waitForUpdates(count: number, timeoutMs = 5000): Promise<unknown> {
    return eventually(() => this.updates.length >= count, timeoutMs, `${count} updates`);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (!this.gotHead) {
      this.head = Buffer.concat([this.head, data]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const { status, headers } = parseHead(this.head.subarray(0, end).toString('latin1'));
      this.status = status;
      this.headers = headers;
      this.gotHead = true;
      this.chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
      data = this.head.subarray(end + 4);
      if (status !== 209) return;
    }
    if (this.chunked) {
      this.pendingChunked = Buffer.concat([this.pendingChunked, data]);
      const decoded = dechunk(this.pendingChunked);
      if (!decoded) return;
      this.pendingChunked = this.pendingChunked.subarray(decoded.consumed);
      data = decoded.body;
    }
    this.bodyBytes += data.length;
    try {
      this.parser.push(new Uint8Array(data));
    } catch (error) {
      this.error = error;
    }
  }

  private onUpdate(update: Update): void {
    // A resumed subscription starts with patches: without a base value there is nothing to apply them to.
    if (this.value !== undefined || update.body)
      this.value = applyJsonPatches(this.value, updatePatches(update));
    this.version = update.version;
    this.updates.push(update);
  }
}
