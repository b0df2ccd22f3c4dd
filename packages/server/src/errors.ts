/**
 * A refusal with an HTTP status and a one-line reason for the client. Everything a request handler throws
 * that is not an HttpError is a bug and is answered 500 (see http/handler.ts).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** The message of anything thrown, on one line and bounded (it may end up in a response body). */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.replace(/[\r\n]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
