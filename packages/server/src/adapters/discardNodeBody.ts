import type { Http2ServerRequest } from 'node:http2';
import type { ShutdownRegistry } from '../http/exchange';
import type { BraidRequest } from '../types';
import { isHttp1 } from './nodeHttpVersion';

/** Bytes of a refused body read and thrown away before giving up on the connection. */
const MAX_DISCARDED_BYTES = 1024 * 1024;

/**
 * After refusing a request whose body is still coming (413, 400 on its headers, 401/403…), reads and discards
 * the rest instead of closing at once ("lingering close"): a client that is still sending would otherwise get
 * a connection reset, which on most systems throws away the refusal it had not read yet. A client that keeps
 * sending past MAX_DISCARDED_BYTES, or for longer than the body timeout, is disconnected; one that stops
 * keeps its connection.
 */
export function discardNodeBody(req: BraidRequest, timeoutMs: number, onShutdown: ShutdownRegistry): void {
  if (req.readableEnded || req.destroyed) return;
  let discarded = 0;
  const finish = (disconnect: boolean) => {
    clearTimeout(timer);
    unregister();
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onEnd);
    if (disconnect) {
      if (isHttp1(req)) req.socket.destroy();
      else (req as Http2ServerRequest).stream.close();
    }
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) finish(true);
  };
  const onEnd = () => finish(false);
  const timer = setTimeout(() => finish(true), timeoutMs);
  const unregister = onShutdown(() => finish(true));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onEnd);
  req.resume();
}
