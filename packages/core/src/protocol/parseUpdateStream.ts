import { BraidProtocolError } from './errors';
import type { PatchFrame, Update } from './types';
import { parseContentRange, parseVersions, preview } from './versions';

/** Largest header block (an update's or a patch's) the parser accepts. */
export const MAX_HEADER_BLOCK_BYTES = 64 * 1024;
/** Largest `Patches: N`. */
export const MAX_PATCHES = 10_000;
/** Default largest `Content-Length` (of a snapshot or of one patch). */
export const DEFAULT_MAX_BODY_BYTES = 2 ** 30;

export interface UpdateParserOptions {
  /** Largest `Content-Length` accepted for a snapshot or a patch (default 1 GiB). */
  maxBodyBytes?: number;
}

export interface UpdateParser {
  /** Feeds bytes; calls onUpdate synchronously for each update they complete. Throws BraidProtocolError. */
  push(bytes: Uint8Array): void;
  /** The stream is over: throws if it stopped inside an update (blank lines only are fine). */
  end(): void;
  /** Whether the bytes so far end between two updates (a clean place to cut the stream). */
  betweenUpdates(): boolean;
}

/**
 * An incremental parser of a 209 subscription body (already de-chunked): one Update per onUpdate call, in
 * order. Bodies and patch contents are views on the parser's buffer, never overwritten later (see FrameParser).
 * After an error the parser is dead: every later call throws.
 */
export function createUpdateParser(
  onUpdate: (update: Update) => void,
  options: UpdateParserOptions = {},
): UpdateParser {
  const parser = new FrameParser(onUpdate, 'bad-framing', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  return {
    push: (bytes) => parser.push(bytes),
    end: () => parser.end(),
    betweenUpdates: () => parser.betweenUpdates(),
  };
}

// Parser phases (plain numbers: this is the hot loop's switch).
const Phase = {
  /** Between updates: skipping blank lines (heartbeats). */
  Gap: 0,
  UpdateHead: 1,
  /** A snapshot body, or the content of an inlined single patch. */
  Body: 2,
  /** Between patches: skipping blank lines. */
  PatchGap: 3,
  PatchHead: 4,
  PatchBody: 5,
  /** Patches-only mode, all patches read: only blank lines may follow. */
  Trailer: 6,
  Ended: 7,
  Dead: 8,
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const LF = 10;
const CR = 13;
const MIN_CAPACITY = 4 * 1024;
const EMPTY = new Uint8Array(0);

// The status line of an update: `HTTP 200 OK`, `HTTP/1.1 200 OK` (the reason phrase is not significant).
const STATUS_LINE = /^HTTP(?:\/\d+(?:\.\d+)?)? ([1-5]\d\d)(?:[ \t].*)?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DIGITS = /^\d{1,15}$/;

const utf8 = new TextDecoder();

/**
 * The Braid framing state machine, shared by the subscription parser and parsePatchesBody (PatchesBodyParser
 * starts it in patches-only mode). Internal: use createUpdateParser or parsePatchesBody.
 *
 * Buffering: ONE byte buffer with a read offset (`pos`); pushes are appended at `filled`. Line ends are found with
 * Uint8Array#indexOf(10) from `scan`, so bytes already looked at are never scanned again, and only header blocks
 * are decoded to strings. Bodies and patch contents are handed out as zero-copy `subarray` views, so bytes that
 * may be viewed are never overwritten: the buffer is append-only once a view was taken from it; when it is full
 * the unread tail moves to a fresh buffer (at least twice the bytes kept, so a big body arriving in many pushes
 * costs amortized O(n) copying). A buffer nobody holds a view of is compacted in place instead. A view keeps its
 * (at most ~2x its size, or 64 KB) buffer alive until the view is dropped.
 */
export class FrameParser {
  protected buf: Uint8Array = EMPTY;
  /** buf[0, filled): the bytes received; what indexOf searches (never the stale capacity past it). */
  protected data: Uint8Array = EMPTY;
  protected filled = 0;
  /** Start of the unit being read (header block, body, or gap); everything before it is consumed. */
  private pos = 0;
  /** Where the search for the next line end resumes, inside a header block. */
  private scan = 0;
  /** Start of the header block's current line. */
  private lineStart = 0;
  /** A view on `buf` has been handed out: never write over buf[0, filled). */
  private shared = false;
  /** The parser reads `buf` without having copied it (parsePatchesBody): never write to it. */
  protected borrowed = false;
  /** Parsing a caller's chunk in place (push): contents are copied, not viewed. */
  private inPlace = false;

  protected phase: Phase = Phase.Gap;
  /** Parsing a write's body (parsePatchesBody) rather than a subscription. */
  protected patchesOnly = false;
  /** Inside parse(): onUpdate must not push into the same parser. */
  private parsing = false;
  protected update: Update = newUpdate();
  private bodyLength = 0;
  private inlineRange: { unit: string; range: string } | undefined;
  protected patchesLeft = 0;
  protected patchesTotal = 0;
  private patch: PatchFrame = newPatch();
  private failure: BraidProtocolError | undefined;

  constructor(
    private readonly onUpdate: (update: Update) => void,
    /** Error code for framing errors: 'bad-framing' on a subscription, 'bad-patches' in a request body. */
    private readonly framingCode: string,
    private readonly maxBodyBytes: number,
    /** What the input is called in error messages. */
    private readonly inputName: 'stream' | 'body' = 'stream',
  ) {}

  push(bytes: Uint8Array): void {
    if (this.phase >= Phase.Ended) throw this.deadError('push');
    if (this.parsing) throw new Error('push() called from inside onUpdate');
    if (bytes.length === 0) return;
    if (this.filled === this.pos && !this.borrowed) this.parseInPlace(bytes);
    else {
      this.append(bytes);
      this.run();
    }
  }

  /**
   * Nothing is pending (the usual case: a chunk starts at an update): parse the chunk where it lies instead of
   * copying it into our buffer first; contents are copied out (the caller may reuse its chunk), and only an
   * unfinished tail is kept.
   */
  private parseInPlace(bytes: Uint8Array): void {
    const own = this.buf;
    this.buf = this.data = bytes;
    this.filled = bytes.length;
    this.pos = this.scan = this.lineStart = 0;
    this.inPlace = true;
    try {
      this.run();
    } finally {
      this.inPlace = false;
    }
    if (this.phase === Phase.Dead) return;
    const rest = bytes.subarray(this.pos);
    this.scan -= this.pos;
    this.lineStart -= this.pos;
    // Our old buffer is free to reuse from its start unless views of it were handed out.
    this.buf = this.shared ? EMPTY : own;
    this.shared = false;
    this.data = EMPTY;
    this.filled = this.pos = 0;
    if (rest.length) this.append(rest);
  }

  betweenUpdates(): boolean {
    return this.phase === Phase.Gap;
  }

  end(): void {
    if (this.phase >= Phase.Ended) throw this.deadError('end');
    if (this.parsing) throw new Error('end() called from inside onUpdate');
    try {
      this.checkComplete();
    } catch (e) {
      this.die(e);
      throw e;
    }
    this.phase = Phase.Ended;
    this.buf = this.data = EMPTY;
  }

  /** Throws unless the input so far ends between updates (or after a write's last patch). */
  private checkComplete(): void {
    const phase = this.phase;
    if (phase === Phase.Gap || phase === Phase.Trailer) return;
    const got = this.filled - this.pos;
    const ended = `${this.inputName} ended`;
    if (phase === Phase.UpdateHead) this.fail(`${ended} inside an update's headers`);
    if (phase === Phase.Body) this.fail(`${ended} inside a body (${got} of ${this.bodyLength} bytes)`);
    const done = this.patchesTotal - this.patchesLeft;
    const inside =
      phase === Phase.PatchHead
        ? `, inside patch ${done + 1}'s headers`
        : phase === Phase.PatchBody
          ? `, inside patch ${done + 1}'s content (${got} of ${this.bodyLength} bytes)`
          : '';
    this.fail(`${ended} after ${done} of ${this.patchesTotal} patches${inside}`);
  }

  protected run(): void {
    this.parsing = true;
    try {
      this.parse();
    } catch (e) {
      this.die(e);
      throw e;
    } finally {
      this.parsing = false;
    }
  }

  /** After any error: no more updates, ever; later calls throw. */
  private die(e: unknown): void {
    this.phase = Phase.Dead;
    this.failure = e instanceof BraidProtocolError ? e : undefined;
    this.buf = this.data = EMPTY;
  }

  protected deadError(call: string): Error {
    if (this.phase === Phase.Ended) return new Error(`${call}() after end()`);
    const why = this.failure ? `${this.failure.message}` : 'an exception from onUpdate';
    return new BraidProtocolError(this.failure?.code ?? this.framingCode, `parser stopped after: ${why}`);
  }

  private append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.filled + n > this.buf.length || this.borrowed) this.makeRoom(n);
    this.buf.set(bytes, this.filled);
    this.filled += n;
    this.data = this.buf.subarray(0, this.filled);
  }

  /** Makes room for n more bytes: compacts in place if no view was handed out, else moves to a new buffer. */
  private makeRoom(n: number): void {
    const keep = this.filled - this.pos;
    const need = keep + n;
    const shift = this.pos;
    if (!this.shared && !this.borrowed && need <= this.buf.length) {
      this.buf.copyWithin(0, shift, this.filled);
    } else {
      // Kept bytes (a partial update) at least double with each move: amortized O(1) copying per byte.
      const next = new Uint8Array(Math.max(MIN_CAPACITY, keep > 0 ? 2 * need : need));
      next.set(this.buf.subarray(shift, this.filled));
      this.buf = next;
      this.shared = false;
      this.borrowed = false;
    }
    this.filled = keep;
    this.pos -= shift;
    this.scan -= shift;
    this.lineStart -= shift;
  }

  private parse(): void {
    const data = this.data;
    const end = this.filled;
    for (;;) {
      switch (this.phase) {
        case Phase.Gap:
        case Phase.PatchGap:
        case Phase.Trailer: {
          let p = this.pos;
          while (p < end && (data[p] === CR || data[p] === LF)) p++;
          this.pos = p;
          if (p === end) return;
          if (this.phase === Phase.Trailer)
            this.fail(`unexpected bytes after the last patch: ${this.excerpt(p)}`);
          this.scan = this.lineStart = p;
          this.phase = this.phase === Phase.Gap ? Phase.UpdateHead : Phase.PatchHead;
          break;
        }
        case Phase.UpdateHead:
        case Phase.PatchHead: {
          const blockEnd = this.findBlockEnd(data, end);
          if (blockEnd < 0) return;
          const text = decodeHeaderBlock(data, this.pos, blockEnd);
          this.pos = this.scan; // just past the blank line
          if (this.phase === Phase.UpdateHead) this.readUpdateHead(text);
          else this.readPatchHead(text);
          break;
        }
        case Phase.Body: {
          if (end - this.pos < this.bodyLength) return;
          const content = this.take(this.bodyLength);
          const range = this.inlineRange;
          if (range) this.update.patches = [{ unit: range.unit, range: range.range, content, headers: {} }];
          else this.update.body = content;
          this.finishUpdate(Phase.Gap);
          break;
        }
        case Phase.PatchBody: {
          if (end - this.pos < this.bodyLength) return;
          this.patch.content = this.take(this.bodyLength);
          this.update.patches!.push(this.patch);
          this.patch = newPatch();
          if (--this.patchesLeft > 0) this.phase = Phase.PatchGap;
          else this.finishUpdate(this.patchesOnly ? Phase.Trailer : Phase.Gap);
          break;
        }
        default:
          return;
      }
    }
  }

  /**
   * Scans for the blank line that ends the header block starting at `pos`. Returns where that blank line
   * starts (leaving `scan` just past it), or -1 if it has not arrived (leaving `scan` at the end of input).
   */
  private findBlockEnd(data: Uint8Array, end: number): number {
    let lineStart = this.lineStart;
    let scan = this.scan;
    for (;;) {
      const lf = data.indexOf(LF, scan);
      if (lf < 0) {
        this.lineStart = lineStart;
        this.scan = end;
        if (end - this.pos > MAX_HEADER_BLOCK_BYTES) this.failBlockTooLarge();
        return -1;
      }
      if (lf === lineStart || (lf === lineStart + 1 && data[lineStart] === CR)) {
        if (lineStart - this.pos > MAX_HEADER_BLOCK_BYTES) this.failBlockTooLarge();
        this.scan = lf + 1;
        return lineStart;
      }
      lineStart = scan = lf + 1;
    }
  }

  private readUpdateHead(text: string): void {
    const update = this.update;
    let contentLength = -1;
    let count = -1;
    let range: { unit: string; range: string } | undefined;
    let sawVersion = false;
    let sawParents = false;
    let start = 0;
    let first = true;
    while (start < text.length) {
      const line = nextLine(text, start);
      start += line.length + 1;
      const content = stripCR(line);
      if (first) {
        first = false;
        const status = content.charCodeAt(0) === 72 /* H */ ? STATUS_LINE.exec(content) : null;
        if (status) {
          update.status = Number(status[1]);
          continue;
        }
      }
      const colon = this.headerColon(content);
      const name = content.slice(0, colon).toLowerCase();
      const value = trimOws(content.slice(colon + 1));
      switch (name) {
        case 'version':
          if (sawVersion) this.fail('duplicate Version header');
          sawVersion = true;
          update.version = parseVersions(value);
          break;
        case 'parents':
          if (sawParents) this.fail('duplicate Parents header');
          sawParents = true;
          update.parents = parseVersions(value);
          break;
        case 'content-length':
          if (contentLength >= 0) this.fail('duplicate Content-Length header');
          contentLength = this.parseLength(value);
          break;
        case 'patches':
          if (count >= 0) this.fail('duplicate Patches header');
          count = this.parseCount(value);
          break;
        case 'content-range':
          if (range) this.fail('duplicate Content-Range header');
          range = parseContentRange(value);
          break;
        default:
          this.extraHeader(update.headers, name, value, content);
      }
    }
    if (count >= 0) {
      if (contentLength >= 0) this.fail('an update has both Patches and Content-Length');
      if (range) this.fail('an update has both Patches and Content-Range');
      update.patches = [];
      this.patchesLeft = this.patchesTotal = count;
      if (count === 0) this.finishUpdate(Phase.Gap);
      else this.phase = Phase.PatchGap;
    } else if (contentLength >= 0) {
      this.bodyLength = contentLength;
      this.inlineRange = range;
      this.phase = Phase.Body;
    } else {
      this.fail('an update has neither Content-Length nor Patches');
    }
  }

  private readPatchHead(text: string): void {
    const patch = this.patch;
    let contentLength = -1;
    let range: { unit: string; range: string } | undefined;
    let start = 0;
    while (start < text.length) {
      const line = nextLine(text, start);
      start += line.length + 1;
      const content = stripCR(line);
      const colon = this.headerColon(content);
      const name = content.slice(0, colon).toLowerCase();
      const value = trimOws(content.slice(colon + 1));
      if (name === 'content-length') {
        if (contentLength >= 0) this.fail('duplicate Content-Length header in a patch');
        contentLength = this.parseLength(value);
      } else if (name === 'content-range') {
        if (range) this.fail('duplicate Content-Range header in a patch');
        range = parseContentRange(value);
      } else {
        this.extraHeader(patch.headers, name, value, content);
      }
    }
    const n = this.update.patches!.length + 1;
    if (contentLength < 0) this.fail(`patch ${n} has no Content-Length`);
    if (!range) this.fail(`patch ${n} has no Content-Range`);
    patch.unit = range.unit;
    patch.range = range.range;
    this.bodyLength = contentLength;
    this.phase = Phase.PatchBody;
  }

  private headerColon(line: string): number {
    const colon = line.indexOf(':');
    if (colon < 0) this.fail(`header line without a colon: ${preview(line)}`);
    return colon;
  }

  /** Names we do not know are checked to be HTTP tokens (the framing ones are known, hence valid). */
  private extraHeader(headers: Record<string, string>, name: string, value: string, line: string): void {
    if (!HEADER_NAME.test(name)) this.fail(`bad header name in ${preview(line)}`);
    addHeader(headers, name, value);
  }

  private parseLength(value: string): number {
    if (!DIGITS.test(value)) this.fail(`bad Content-Length ${preview(value)}`);
    const n = Number(value);
    if (n > this.maxBodyBytes) this.fail(`Content-Length ${n} is over the limit of ${this.maxBodyBytes}`);
    return n;
  }

  private parseCount(value: string): number {
    if (!DIGITS.test(value)) this.fail(`bad Patches count ${preview(value)}`);
    const n = Number(value);
    if (n > MAX_PATCHES) this.fail(`Patches: ${n} is over the limit of ${MAX_PATCHES}`);
    return n;
  }

  /** The next n bytes as a zero-copy view; marks the buffer as shared so they are never overwritten. */
  private take(n: number): Uint8Array {
    const from = this.pos;
    this.pos = from + n;
    if (n === 0) return new Uint8Array(0);
    if (this.inPlace) return this.data.slice(from, from + n);
    this.shared = true;
    return this.data.subarray(from, from + n);
  }

  protected finishUpdate(next: Phase): void {
    const update = this.update;
    this.update = newUpdate();
    this.inlineRange = undefined;
    this.phase = next;
    this.onUpdate(update);
  }

  private excerpt(at: number): string {
    return preview(utf8.decode(this.data.subarray(at, Math.min(at + 40, this.filled))));
  }

  private failBlockTooLarge(): never {
    this.fail(`header block larger than ${MAX_HEADER_BLOCK_BYTES} bytes`);
  }

  private fail(message: string): never {
    throw new BraidProtocolError(this.framingCode, message);
  }
}

/**
 * The framing state machine in patches-only mode, for a write's body (parsePatchesBody, server side): a class of
 * its own so that a client, which only reads subscriptions, does not load it.
 */
export class PatchesBodyParser extends FrameParser {
  /** Switches to patches-only mode: the input is exactly `count` framed patches (a write's body). */
  expectPatches(count: number): void {
    this.patchesOnly = true;
    this.update.patches = [];
    this.patchesLeft = this.patchesTotal = count;
    this.phase = Phase.PatchGap;
    if (count === 0) this.finishUpdate(Phase.Trailer);
  }

  /** Parses `bytes` in place, without copying them (contents are views on `bytes`); one call, then end(). */
  pushBorrowed(bytes: Uint8Array): void {
    if (this.phase >= Phase.Ended) throw this.deadError('push');
    if (this.filled !== 0) throw new Error('pushBorrowed must be the only push');
    this.buf = this.data = bytes;
    this.filled = bytes.length;
    this.borrowed = true;
    this.run();
  }
}

function newUpdate(): Update {
  return { version: [], parents: [], headers: {} };
}

function newPatch(): PatchFrame {
  return { unit: '', range: '', content: EMPTY, headers: {} };
}

/** Adds a header, joining repeats with ', ' (HTTP list semantics). Safe for names like `__proto__`. */
function addHeader(headers: Record<string, string>, name: string, value: string): void {
  if (Object.hasOwn(headers, name)) headers[name] = `${headers[name]}, ${value}`;
  else if (name === '__proto__') {
    Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  } else headers[name] = value;
}

/** The line starting at `start` in a decoded header block (every line of which ends with '\n'). */
function nextLine(text: string, start: number): string {
  const lf = text.indexOf('\n', start);
  return text.slice(start, lf < 0 ? text.length : lf);
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** Trims optional whitespace (SP, HTAB) only. */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** One TextDecoder call per header block: in V8 it beats building short strings from char codes. */
function decodeHeaderBlock(data: Uint8Array, from: number, to: number): string {
  return utf8.decode(data.subarray(from, to));
}
