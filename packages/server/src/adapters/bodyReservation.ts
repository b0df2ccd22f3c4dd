import { BODIES_RETRY_AFTER_SECONDS, type BodyBytesInFlight } from '../bodyBytesInFlight';
import { HttpError } from '../errors';

/**
 * One body's share of the server-wide `maxBodyBytesInFlight`, the same on every adapter (Node's request stream,
 * a web Request's ReadableStream): its declared length is reserved before the first byte is read, bytes past
 * it as they arrive; `release` gives it all back (read, refused, timed out or aborted: every way a read ends).
 */
export class BodyReservation {
  private reserved = 0;

  constructor(private readonly inFlight: BodyBytesInFlight | undefined) {}

  /** The 503 to answer when the declared length does not fit, before any byte is read. */
  reserveDeclared(declared: number | undefined): HttpError | undefined {
    if (!this.inFlight || declared === undefined || !(declared > 0)) return undefined;
    if (!this.inFlight.tryReserve(declared)) return serverBusy(this.inFlight);
    this.reserved = declared;
    return undefined;
  }

  /** After a chunk: `received` bytes so far. The 503 to answer when they no longer fit. */
  cover(received: number): HttpError | undefined {
    if (!this.inFlight || received <= this.reserved) return undefined;
    if (!this.inFlight.tryReserve(received - this.reserved)) return serverBusy(this.inFlight);
    this.reserved = received;
    return undefined;
  }

  release(): void {
    this.inFlight?.release(this.reserved);
    this.reserved = 0;
  }
}

function serverBusy(inFlight: BodyBytesInFlight): HttpError {
  return new HttpError(
    503,
    `the server is receiving as many request bytes as it may at once (maxBodyBytesInFlight ${inFlight.limit}); retry later`,
    { 'Retry-After': String(BODIES_RETRY_AFTER_SECONDS) },
  );
}
