/**
 * The bytes of request bodies being received across one server, against `maxBodyBytesInFlight`: each body
 * may be up to `maxBodyBytes`, so without a total, many slow uploads at once could hold any amount of memory.
 * A body reserves its declared length before its first byte is read (or its chunks as they arrive, when it
 * has none) and gives it all back when it is read or refused.
 */
export class BodyBytesInFlight {
  private reserved = 0;

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.reserved;
  }

  /** Reserves `bytes` if the total stays within the limit; returns whether it did. */
  tryReserve(bytes: number): boolean {
    if (this.reserved + bytes > this.limit) return false;
    this.reserved += bytes;
    return true;
  }

  release(bytes: number): void {
    this.reserved -= bytes;
  }
}

/** Seconds a client is asked to wait when the total is reached (uploads in progress finish within seconds). */
export const BODIES_RETRY_AFTER_SECONDS = 2;
