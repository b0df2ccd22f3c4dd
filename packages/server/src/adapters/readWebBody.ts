import type { HttpError } from '../errors';
import { bodyAlreadyRead, bodyEndedEarly, bodyShort, bodyTimedOut, bodyTooLarge } from '../http/bodyErrors';
import type { BodyLimits, ShutdownRegistry } from '../http/exchange';
import { BodyReservation } from './bodyReservation';

const EMPTY = new Uint8Array(0);

/**
 * Reads a web Request's body into one buffer, within limits (the same refusals as on Node, readNodeBody.ts):
 * 413 from Content-Length before reading or as soon as the count passes the limit, 408 past the timeout,
 * 500 when the body was used already or fewer bytes came than Content-Length said, and 503 + Retry-After when
 * the server-wide `maxBodyBytesInFlight` is reached (the body's bytes count there while it is read).
 */
export function readWebBody(
  request: Request,
  limits: BodyLimits,
  onShutdown: ShutdownRegistry,
): Promise<Uint8Array> {
  if (request.bodyUsed) return Promise.reject(bodyAlreadyRead('the Request body was already used'));
  const declaredHeader = request.headers.get('content-length');
  const declared = declaredHeader === null ? undefined : Number(declaredHeader);
  if (declared !== undefined && declared > limits.maxBytes) {
    return Promise.reject(bodyTooLarge(limits.maxBytes, `${declaredHeader} bytes`));
  }
  const body = request.body;
  if (!body) return declared ? Promise.reject(bodyShort(0, declared)) : Promise.resolve(EMPTY);
  const reservation = new BodyReservation(limits.inFlight);
  const busy = reservation.reserveDeclared(declared);
  if (busy) {
    body.cancel().catch(() => {});
    return Promise.reject(busy);
  }

  const reader = body.getReader();
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: HttpError | undefined) => {
      if (settled) return;
      settled = true;
      reservation.release();
      clearTimeout(timer);
      unregister();
      if (error) {
        reader.cancel().catch(() => {});
        reject(error);
      } else if (declared !== undefined && received !== declared) reject(bodyShort(received, declared));
      else resolve(concat(chunks, received));
    };
    const timer = setTimeout(() => finish(bodyTimedOut(limits.timeoutMs)), limits.timeoutMs);
    const unregister = onShutdown((error) => finish(error));
    const pump = (): void => {
      reader.read().then(
        ({ done, value }) => {
          if (settled) return;
          if (done) return finish(undefined);
          received += value.byteLength;
          if (received > limits.maxBytes) return finish(bodyTooLarge(limits.maxBytes, 'more'));
          const busy = reservation.cover(received);
          if (busy) return finish(busy);
          chunks.push(value);
          pump();
        },
        () => finish(bodyEndedEarly()),
      );
    };
    pump();
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
