// braid-http ships no types: just what the benchmarks use of it (as a black box, for comparison).
declare module 'braid-http' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface BraidHttpPatch {
    unit: string;
    range: string;
    content: Uint8Array;
    readonly content_text: string;
  }
  export interface BraidHttpUpdate {
    version?: string[];
    parents?: string[];
    body?: Uint8Array;
    readonly body_text?: string;
    patches?: BraidHttpPatch[];
    status?: string;
  }
  export interface BraidHttpResponse extends Response {
    subscribe(onUpdate: (update: BraidHttpUpdate) => void, onError?: (error: unknown) => void): void;
  }
  export function fetch(url: string, params?: Record<string, unknown>): Promise<BraidHttpResponse>;
  export function http_server(
    handler: (
      req: IncomingMessage & Record<string, any>,
      res: ServerResponse & Record<string, any>,
    ) => unknown,
  ): (req: IncomingMessage, res: ServerResponse) => void;
}
