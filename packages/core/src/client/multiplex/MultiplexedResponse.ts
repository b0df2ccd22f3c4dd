import { parseResponseHead } from '../../protocol/multiplexFrames';

/**
 * The receiving end of one multiplexed request: collects its bytes from the multiplexer stream, parses the
 * response head when complete, then streams the body as a regular fetch Response.
 */
export class MultiplexedResponse {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private controller?: ReadableStreamDefaultController<Uint8Array>;
  private headResolve!: (response: Response) => void;
  private headReject!: (error: unknown) => void;
  private done = false;
  readonly response: Promise<Response>;

  constructor(readonly id: string) {
    this.response = new Promise<Response>((resolve, reject) => {
      this.headResolve = resolve;
      this.headReject = reject;
    });
    this.response.catch(() => {});
  }

  data(bytes: Uint8Array): void {
    if (this.done) return;
    if (this.controller) {
      if (bytes.length) this.controller.enqueue(bytes);
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    let head: ReturnType<typeof parseResponseHead>;
    const all = this.pending.length === 1 ? this.pending[0] : concat(this.pending, this.pendingBytes);
    try {
      head = parseResponseHead(all);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!head) {
      this.pending = [all];
      return;
    }
    this.pending = [];
    const rest = all.subarray(head.length);
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        if (rest.length) controller.enqueue(rest.slice());
      },
    });
    this.headResolve(
      new Response(body, { status: head.status, statusText: head.statusText, headers: head.headers }),
    );
  }

  /** The server closed this response. */
  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.controller) this.controller.close();
    else this.headReject(new Error('multiplexed response closed before its headers'));
  }

  /** The multiplexer stream died, or the request was aborted. */
  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.controller) this.controller.error(error);
    else this.headReject(error);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
