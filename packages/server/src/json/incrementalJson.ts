import { FORBIDDEN_KEYS } from '@braid-live/core/protocol';
import { rememberJsonSize } from '../resource/documentSize';

/**
 * A JSON parser that works in bounded steps, for the big contents of a write (JSON.parse of 4 MiB of tiny
 * objects holds the loop ~50 ms in one piece). It gives exactly what JSON.parse gives — same numbers (Number()
 * of a checked literal rounds as JSON.parse does), same strings (lone surrogates kept), same key order and
 * duplicate-key rule (first position, last value), `__proto__` made an own property — and refuses exactly the
 * texts JSON.parse refuses (RFC 8259 grammar: whitespace is space, tab, CR, LF only; no BOM). It does not
 * refuse forbidden keys or deep nesting itself (a later duplicate key can replace the value that held them):
 * it notes that it saw one (`suspect`), and the caller walks the result as parseContent does.
 */
export class IncrementalJsonParser {
  /** A container nested at `maxDepth` or deeper, or a forbidden key, was seen somewhere in the text. */
  suspect = false;
  /**
   * Whether the text is exactly JSON.stringify(value), so far (judged conservatively: false may be wrong, true
   * never is). An honest client sends what JSON.stringify made, and a write then reuses the text it got
   * instead of making it again (JSON.stringify of 2.8 MB of small objects holds the loop 15–25 ms).
   */
  canonical = true;
  value: unknown;
  private pos = 0;
  /** Values parsed so far, and what escapes added to the text so far (the measure of a container is its
   * text's length less its escapes: resource/documentSize.ts counts a string by its length). */
  private values = 0;
  private escapeChars = 0;
  private readonly stack: Frame[] = [];
  private done = false;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  /** Parses on for about `units` values; true once the whole text is parsed. Throws JsonSyntaxError. */
  step(units: number): boolean {
    if (this.done) return true;
    const { text, stack } = this;
    const length = text.length;
    for (;;) {
      // A value starts here.
      let value: unknown;
      let c = this.skipSpace();
      this.values++;
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (stack.length >= this.maxDepth) this.suspect = true;
        const start = this.pos++;
        const isArray = c === 0x5b;
        c = this.skipSpace();
        if (c === (isArray ? 0x5d : 0x7d)) {
          this.pos++;
          value = isArray ? [] : {};
        } else {
          const frame: Frame = isArray
            ? {
                array: [],
                object: undefined,
                key: '',
                start,
                values: this.values,
                escapeChars: this.escapeChars,
              }
            : {
                array: undefined,
                object: {},
                key: '',
                start,
                values: this.values,
                escapeChars: this.escapeChars,
              };
          stack.push(frame);
          if (!isArray) frame.key = this.key();
          continue;
        }
      } else if (c === 0x22 /* " */) value = this.string();
      else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) value = this.number();
      else if (c === 0x74 /* t */) value = this.literal('true', true);
      else if (c === 0x66 /* f */) value = this.literal('false', false);
      else if (c === 0x6e /* n */) value = this.literal('null', null);
      else throw this.unexpected();

      // The value ends its container's item, and maybe the container (and its parents).
      for (;;) {
        const frame = stack[stack.length - 1];
        if (frame === undefined) {
          this.skipSpace();
          if (this.pos !== length) throw this.unexpected();
          this.value = value;
          this.done = true;
          return true;
        }
        if (frame.array !== undefined) frame.array.push(value);
        else {
          const object = frame.object as Record<string, unknown>;
          // A duplicate key keeps its first position and its last value: JSON.stringify would drop one. (A key
          // the prototype has, `toString`, is taken for one too: conservative, and cheaper than hasOwn.)
          if (this.canonical && object[frame.key] !== undefined) this.canonical = false;
          setKey(object, frame.key, value);
        }
        c = this.skipSpace();
        if (c === 0x2c /* , */) {
          this.pos++;
          if (frame.object !== undefined) {
            this.skipSpace();
            frame.key = this.key();
          }
          break;
        }
        if (c !== (frame.array !== undefined ? 0x5d : 0x7d)) throw this.unexpected();
        this.pos++;
        stack.pop();
        value = frame.array ?? frame.object;
        // Measured as it is parsed (a canonical text is the JSON it measures), so that the write's budget and
        // the document's size need not walk a big new content again (200,000 items: 15–20 ms in one piece).
        if (this.canonical)
          rememberJsonSize(
            value as object,
            this.pos - frame.start - (this.escapeChars - frame.escapeChars),
            this.values - frame.values,
          );
      }
      if (--units <= 0) return false;
    }
  }

  /** Skips whitespace; the code at the new position (NaN at the end). */
  private skipSpace(): number {
    const { text } = this;
    let pos = this.pos;
    let c = text.charCodeAt(pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++pos);
    if (pos !== this.pos) this.canonical = false;
    this.pos = pos;
    return c;
  }

  /** `"key"` then `:` (whitespace around the colon). */
  private key(): string {
    if (this.text.charCodeAt(this.pos) !== 0x22) throw this.unexpected();
    const key = this.string();
    if (key.length >= 9 && FORBIDDEN_KEYS.has(key)) this.suspect = true;
    // JSON.stringify writes integer-like keys first, in numeric order: any key starting with a digit may move.
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) this.canonical = false;
    if (this.skipSpace() !== 0x3a /* : */) throw this.unexpected();
    this.pos++;
    return key;
  }

  private string(): string {
    const { text } = this;
    const opening = this.pos;
    let pos = this.pos + 1;
    // A long string without escapes (an 8 MiB one): found and checked natively, not a code at a time.
    const end = text.indexOf('"', pos);
    if (end - pos > LONG_STRING) {
      const plain = text.slice(pos, end);
      if (!NOT_PLAIN.test(plain)) {
        this.pos = end + 1;
        if (this.canonical && !isWellFormed(plain)) this.canonical = false;
        return plain;
      }
    }
    let start = pos;
    let out = '';
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = pos;
        throw this.unexpected();
      }
      if (c !== 0x5c /* \ */) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text.charCodeAt(pos + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        if (e === 0x2f /* \/ */) this.canonical = false;
        out += simple;
        pos += 2;
      } else if (e === 0x75 /* u */) {
        let code = 0;
        for (let i = pos + 2; i < pos + 6; i++) {
          const h = hexValue(text.charCodeAt(i));
          if (h < 0) {
            this.pos = i;
            throw this.unexpected();
          }
          code = code * 16 + h;
        }
        // JSON.stringify writes \u only for a control character without a short escape, in lowercase hex
        // (and for a lone surrogate: taken as not canonical here, which is only conservative).
        if (this.canonical && !isCanonicalUnicodeEscape(text, pos, code)) this.canonical = false;
        out += String.fromCharCode(code);
        pos += 6;
      } else {
        this.pos = pos + 1;
        throw this.unexpected();
      }
      start = pos;
    }
    this.pos = pos + 1;
    const value = out + text.slice(start, pos);
    if (out !== '') this.escapeChars += this.pos - opening - 2 - value.length;
    // A lone surrogate is written \u escaped by JSON.stringify (text decoded from UTF-8 has none as it is).
    if (this.canonical && !isWellFormed(value)) this.canonical = false;
    return value;
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, converted by Number() as JSON.parse converts. */
  private number(): number {
    const { text } = this;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    let c = text.charCodeAt(pos);
    if (c === 0x30) c = text.charCodeAt(++pos);
    else if (c >= 0x31 && c <= 0x39) pos = this.digits(pos);
    else return this.failAt(pos);
    c = text.charCodeAt(pos);
    let integer = true;
    if (c === 0x2e /* . */) {
      integer = false;
      const after = this.digits(pos + 1);
      if (after === pos + 1) return this.failAt(after);
      pos = after;
      c = text.charCodeAt(pos);
    }
    if (c === 0x65 || c === 0x45 /* e E */) {
      integer = false;
      pos++;
      c = text.charCodeAt(pos);
      if (c === 0x2b || c === 0x2d) pos++;
      const after = this.digits(pos);
      if (after === pos) return this.failAt(after);
      pos = after;
    }
    this.pos = pos;
    const literal = text.slice(start, pos);
    const number = Number(literal);
    // An integer literal of at most 15 digits is what JSON.stringify writes for it, but for -0 (written 0);
    // anything else (a fraction, an exponent, more digits) is compared with what it would write.
    if (this.canonical && (!integer || pos - start > 15 || (number === 0 && literal !== '0')))
      this.canonical = String(number) === literal && Number.isFinite(number);
    return number;
  }

  private digits(pos: number): number {
    let c = this.text.charCodeAt(pos);
    while (c >= 0x30 && c <= 0x39) c = this.text.charCodeAt(++pos);
    return pos;
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) {
      let at = this.pos;
      while (at - this.pos < word.length && this.text.charCodeAt(at) === word.charCodeAt(at - this.pos)) at++;
      return this.failAt(at);
    }
    this.pos += word.length;
    return value;
  }

  private failAt(pos: number): never {
    this.pos = pos;
    throw this.unexpected();
  }

  private unexpected(): JsonSyntaxError {
    const { text, pos } = this;
    if (pos >= text.length) return new JsonSyntaxError('Unexpected end of JSON input');
    return new JsonSyntaxError(
      `Unexpected token ${JSON.stringify(text[pos])} at position ${pos} (line ${lineOf(text, pos)})`,
    );
  }
}

export class JsonSyntaxError extends SyntaxError {}

interface Frame {
  array: unknown[] | undefined;
  object: Record<string, unknown> | undefined;
  /** The key whose value is parsed next (objects). */
  key: string;
  /** Where its text starts, and the parser's counts there (its measure is made of the differences). */
  start: number;
  values: number;
  escapeChars: number;
}

/** As JSON.parse: an own data property, also for `__proto__` (an assignment would set the prototype). */
function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

const LONG_STRING = 64;
/** What a string's text cannot hold as it is: an escape, or a control character (which must be escaped). */
const NOT_PLAIN = /[\\\u0000-\u001f]/;

const ESCAPES: (string | undefined)[] = [];
ESCAPES[0x22] = '"';
ESCAPES[0x5c] = '\\';
ESCAPES[0x2f] = '/';
ESCAPES[0x62] = '\b';
ESCAPES[0x66] = '\f';
ESCAPES[0x6e] = '\n';
ESCAPES[0x72] = '\r';
ESCAPES[0x74] = '\t';

/** Whether the `\uXXXX` at `pos` (its value `code`) is the one JSON.stringify writes: a control character
 * without a short escape (\b \t \n \f \r), in lowercase hex. */
function isCanonicalUnicodeEscape(text: string, pos: number, code: number): boolean {
  if (code >= 0x20 || (code >= 0x08 && code <= 0x0d && code !== 0x0b)) return false;
  return text.slice(pos + 2, pos + 6) === code.toString(16).padStart(4, '0');
}

/** String.prototype.isWellFormed (Node 20; not in the ES2023 lib types): no lone surrogate. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** 1-based line of `pos` (counted only when an error is made). */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < pos; at = text.indexOf('\n', at + 1)) line++;
  return line;
}
