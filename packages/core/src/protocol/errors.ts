/** Thrown for malformed Braid-HTTP framing, headers, versions, ranges or JSON. Servers map it to a 400. */
export class BraidProtocolError extends Error {
  override name = 'BraidProtocolError';
  /** Short machine-readable reason, e.g. 'bad-version', 'bad-range', 'bad-framing'. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
