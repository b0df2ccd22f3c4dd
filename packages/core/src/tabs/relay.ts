import type { RelayRequest, ToFollower } from './messages';

/** A request as a message: headers as pairs, the body as bytes (what ClientResource and replays send). */
export function requestMessage(
  from: string,
  id: number,
  url: string,
  init: RequestInit,
  subscribe: boolean,
): RelayRequest {
  const message: RelayRequest = {
    t: 'req',
    from,
    id,
    url,
    subscribe,
    method: init.method,
    headers: [...new Headers(init.headers)],
  };
  const body = init.body;
  if (typeof body === 'string') message.body = new TextEncoder().encode(body);
  else if (body instanceof ArrayBuffer) message.body = new Uint8Array(body);
  else if (ArrayBuffer.isView(body))
    message.body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  else if (body != null) throw new TypeError('a request relayed to another tab needs a string or bytes body');
  return message;
}

/** The message back into fetch's arguments (at the leader). */
export function requestInit(message: RelayRequest, signal: AbortSignal): RequestInit {
  const init: RequestInit = { headers: Object.fromEntries(message.headers), signal, cache: 'no-store' };
  if (message.method) init.method = message.method;
  if (message.body) init.body = message.body as BodyInit;
  return init;
}

/** Sends a Response to the follower that asked for it, piece by piece, as its bytes arrive (at the leader). */
export async function relayResponse(
  id: number,
  response: Response,
  post: (message: ToFollower) => void,
): Promise<void> {
  const { status, statusText } = response;
  post({ t: 'head', id, status, statusText, headers: [...response.headers] });
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      post({ t: 'chunk', id, bytes: value });
    }
  }
  post({ t: 'end', id });
}

/** Statuses whose Response may not have a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The follower's end of one relayed request: a fetch promise that resolves with the head, then a body that
 * streams what the leader relays. `fail` makes it fail like a dropped connection (before or after the head).
 */
export class ProxiedResponse {
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private reject!: (error: unknown) => void;
  private controller?: ReadableStreamDefaultController<Uint8Array>;
  private done = false;

  constructor(
    /** The leader it was sent to (a new leader fails what the old one was asked). */
    readonly leader: string,
    private readonly cancel: () => void,
  ) {
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.response.catch(() => {});
  }

  /** A message from the leader about this request; true when the request is over. */
  receive(message: ToFollower): boolean {
    if (this.done) return true;
    switch (message.t) {
      case 'head': {
        const body = NO_BODY.has(message.status)
          ? null
          : new ReadableStream<Uint8Array>({
              start: (controller) => {
                this.controller = controller;
              },
              cancel: () => {
                this.done = true;
                this.cancel();
              },
            });
        const { status, statusText, headers } = message;
        this.resolve(new Response(body, { status, statusText, headers }));
        return false;
      }
      case 'chunk':
        this.controller?.enqueue(message.bytes);
        return false;
      case 'end':
        this.done = true;
        this.controller?.close();
        this.reject(new TypeError('the leader tab ended the request before its head'));
        return true;
      case 'fail':
        this.fail(new TypeError(message.message));
        return true;
    }
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.controller) this.controller.error(error);
    this.reject(error);
  }
}
