import { createUpdateParser, type UpdateParser } from '../../protocol/parseUpdateStream';
import { parseVersions } from '../../protocol/versions';

type Phase =
  /** The plain request has not answered yet. */
  | 'waiting'
  /** Reading the plain body. */
  | 'plain'
  /** Asked to move: reading the plain body up to the next update boundary. */
  | 'cutting'
  /** The plain body is stopped; waiting for, then reading, the resumed request. */
  | 'resumed'
  | 'ended';

/**
 * A subscription opened plainly (before we knew the origin multiplexes) that can move into the multiplexer
 * stream. Its reader sees one continuous 209 response: underneath, the plain body is cut between two updates,
 * and the rest is read from a new request that resumes at the version reached (Parents), so no update is
 * lost, none comes twice, and no snapshot is sent again. The plain body is parsed on the side only to know
 * that version and where updates end; the bytes reach the reader untouched.
 */
export class MovableSubscription {
  readonly response: Promise<Response>;
  private resolveResponse!: (response: Response) => void;
  private rejectResponse!: (error: unknown) => void;
  private phase: Phase = 'waiting';
  private controller?: ReadableStreamDefaultController<Uint8Array>;
  private reader?: ReadableStreamDefaultReader<Uint8Array>;
  /** Undefined once its input could not be parsed: then it stays plain (its reader reports the error). */
  private tracker?: UpdateParser;
  /** The version the reader has reached: where a resumed request starts. */
  private version: string[] | undefined;
  private cutDone?: (parents: string[] | undefined | null) => void;

  constructor(
    plain: Promise<Response>,
    private readonly abortPlain: () => void,
    parentsHeader: string | undefined,
    private readonly onEnded: () => void,
  ) {
    this.version = parentsHeader ? safeVersions(parentsHeader) : undefined;
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
    this.response.catch(() => {});
    plain.then(
      (response) => this.started(response),
      (error) => {
        if (this.phase !== 'waiting') return; // our own abort: the resumed request answers instead
        this.end();
        this.rejectResponse(error);
      },
    );
  }

  /** Whether it can still move (it did not end, fail to parse, or move already). */
  get movable(): boolean {
    return this.phase === 'waiting' || (this.phase === 'plain' && this.tracker !== undefined);
  }

  /**
   * Stops the plain request between two updates. Resolves with the Parents to resume from (undefined: from
   * scratch, nothing was received yet), or null when there is nothing to move (it ended meanwhile).
   */
  cut(): Promise<string[] | undefined | null> {
    if (!this.movable) return Promise.resolve(null);
    return new Promise((resolve) => {
      if (this.phase === 'waiting') {
        this.phase = 'resumed';
        this.abortPlain(); // no answer yet: the resumed request simply replaces it
        resolve(this.version);
        return;
      }
      this.phase = 'cutting';
      this.cutDone = resolve;
      if (this.tracker!.betweenUpdates()) this.stopPlain();
    });
  }

  /** Continues the response with `next`: the same subscription, resumed at the Parents `cut` gave. */
  resume(next: Promise<Response>): void {
    if (!this.controller) {
      // The reader never got the plain answer: the resumed one is its answer.
      this.end();
      next.then(this.resolveResponse, this.rejectResponse);
      return;
    }
    void this.readResumed(next);
  }

  private started(response: Response): void {
    if (this.phase !== 'waiting') {
      void response.body?.cancel().catch(() => {});
      return;
    }
    if (response.status !== 209 || !response.body) {
      this.end(); // an error or a plain snapshot: nothing to move
      this.resolveResponse(response);
      return;
    }
    this.phase = 'plain';
    this.reader = response.body.getReader();
    this.tracker = createUpdateParser((update) => {
      if (update.version.length) this.version = update.version;
    });
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: (reason) => {
        this.end();
        this.abortPlain();
        void this.reader?.cancel(reason).catch(() => {});
      },
    });
    this.resolveResponse(
      new Response(body, { status: 209, statusText: response.statusText, headers: response.headers }),
    );
    void this.readPlain(this.reader);
  }

  private async readPlain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.phase !== 'plain' && this.phase !== 'cutting') return;
        if (done) return this.finish(undefined);
        this.controller!.enqueue(value);
        try {
          this.tracker?.push(value);
        } catch {
          this.tracker = undefined;
        }
        if (this.phase === 'cutting') {
          if (this.tracker?.betweenUpdates()) return this.stopPlain();
          if (!this.tracker) {
            this.phase = 'plain'; // cannot find a boundary any more: it stays plain
            this.cutDone?.(null);
          }
        }
      }
    } catch (error) {
      if (this.phase === 'plain' || this.phase === 'cutting') this.finish(error);
    }
  }

  private stopPlain(): void {
    this.phase = 'resumed';
    this.abortPlain();
    void this.reader?.cancel().catch(() => {});
    this.cutDone?.(this.version);
  }

  private async readResumed(next: Promise<Response>): Promise<void> {
    let response: Response;
    try {
      response = await next;
    } catch (error) {
      return this.finish(error);
    }
    if (this.phase === 'ended') {
      void response.body?.cancel().catch(() => {});
      return;
    }
    if (response.status !== 209 || !response.body) {
      void response.body?.cancel().catch(() => {});
      return this.finish(new Error(`resuming the subscription answered ${response.status}`));
    }
    const reader = response.body.getReader();
    this.reader = reader;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.isEnded()) return;
        if (done) return this.finish(undefined);
        this.controller!.enqueue(value);
      }
    } catch (error) {
      this.finish(error);
    }
  }

  /** Ends the reader's body: cleanly, or with the error (its reader reconnects as after any drop). */
  private finish(error: unknown): void {
    if (this.phase === 'ended') return;
    const cutting = this.phase === 'cutting';
    this.end();
    if (cutting) this.cutDone?.(null);
    try {
      if (error === undefined) this.controller?.close();
      else this.controller?.error(error);
    } catch {}
  }

  private isEnded(): boolean {
    return this.phase === 'ended';
  }

  private end(): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.onEnded();
  }
}

function safeVersions(header: string): string[] | undefined {
  try {
    return parseVersions(header);
  } catch {
    return undefined;
  }
}
