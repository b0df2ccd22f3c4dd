import net from 'node:net';
import { sleep } from '../lib/clock';

/**
 * A client that sends one request by hand and counts every byte the server sends back: what is on the wire,
 * framing included (HTTP chunking, WebSocket frame headers), with no client library in between.
 */
export interface RawConnection {
  /** Bytes received so far. */
  readonly received: number;
  /** Everything received so far. */
  text(): string;
  /** Waits until `predicate()` holds, or fails after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Waits until nothing has arrived for `quietMs` (counted from the call at the earliest). */
  quiet(quietMs?: number): Promise<void>;
  close(): void;
}

export async function rawRequest(port: number, request: string): Promise<RawConnection> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let received = 0;
  let lastAt = performance.now();
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
    lastAt = performance.now();
  });
  socket.write(request);
  const connection: RawConnection = {
    get received() {
      return received;
    },
    text: () => Buffer.concat(chunks).toString('latin1'),
    async until(predicate, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (!predicate()) {
        if (performance.now() > deadline) throw new Error('rawRequest: timed out waiting');
        await sleep(5);
      }
    },
    async quiet(quietMs = 200) {
      const calledAt = performance.now();
      while (performance.now() - Math.max(lastAt, calledAt) < quietMs) await sleep(quietMs / 4);
    },
    close: () => socket.destroy(),
  };
  return connection;
}
