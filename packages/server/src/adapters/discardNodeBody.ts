import type { Http2ServerRequest } from 'node:http2';
import type { DiscardLimits, ShutdownRegistry } from '../http/exchange';
import type { BraidRequest } from '../types';
import { isHttp1 } from './nodeHttpVersion';

/**
 * Bytes of a refused body read and thrown away while the connection stays usable. Reading costs no memory (each
 * chunk is dropped), and at the server's discard rate it costs bounded CPU; it must cover the bodies clients
 * really send past the 4 MiB `maxBodyBytes` (an 8-9 MiB document): a client that sends its whole body before
 * reading the answer only sees the 413 if the server has not reset the connection under it.
 */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
/** Longest the rest of a refused body is waited for (or the body timeout, when shorter). */
const MAX_DISCARD_MS = 5000;
/**
 * Past those bounds an HTTP/1 connection is closed gracefully: the answer is flushed and followed by a FIN, and
 * what still arrives is read and dropped for this long before the socket is destroyed (destroying a socket with
 * unread bytes resets the connection, which can throw away the answer the client has not read yet).
 */
const CLOSE_GRACE_MS = 1000;

/**
 * After refusing a request whose body is still coming (413, 400 on its headers, 401/403…), reads and discards
 * the rest instead of closing at once ("lingering close"), no faster than `limits.rate` across the server. A
 * client that keeps sending past MAX_DISCARDED_BYTES, or for longer than MAX_DISCARD_MS, is disconnected
 * (HTTP/1: gracefully, see CLOSE_GRACE_MS; HTTP/2: its stream is closed); one that stops keeps its connection.
 */
export function discardNodeBody(
  req: BraidRequest,
  limits: DiscardLimits,
  onShutdown: ShutdownRegistry,
): void {
  if (req.readableEnded || req.destroyed) return;
  let discarded = 0;
  let paced: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  const finish = (disconnect: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    unregister();
    req.off('end', onEnd);
    req.off('close', onEnd);
    if (disconnect && isHttp1(req)) {
      // (onData stays, and its pace: what still arrives is read and dropped until the socket goes.)
      closeGracefully(req, onShutdown);
      return;
    }
    clearTimeout(paced);
    req.off('data', onData);
    if (disconnect) (req as Http2ServerRequest).stream.close();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) finish(true);
    const wait = limits.rate.take(chunk.length);
    // (Below a timer's resolution the debt is carried to the next chunk.)
    if (wait < 1 || paced !== undefined) return;
    req.pause();
    paced = setTimeout(() => {
      paced = undefined;
      req.resume();
    }, wait);
  };
  const onEnd = () => finish(false);
  const timer = setTimeout(() => finish(true), Math.min(limits.timeoutMs, MAX_DISCARD_MS));
  const unregister = onShutdown(() => finish(true));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onEnd);
  req.resume();
}

/** Answer, then FIN, then a short bounded wait reading what still comes, then the socket is destroyed. */
function closeGracefully(req: BraidRequest, onShutdown: ShutdownRegistry): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  const destroy = () => {
    clearTimeout(timer);
    unregister();
    socket.destroy();
  };
  const timer = setTimeout(destroy, CLOSE_GRACE_MS);
  const unregister = onShutdown(destroy);
  socket.once('close', () => {
    clearTimeout(timer);
    unregister();
  });
  socket.end(); // after the answer already written to it
}
