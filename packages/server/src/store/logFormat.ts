import { crc32 } from 'node:zlib';
import { contentJsonInSteps } from '../json/contentJson';
import { IncrementalJsonParser } from '../json/incrementalJson';
import { JsonPieces, jsonPiecesInSteps } from '../json/jsonInSteps';
import { INCREMENTAL_PARSE_BYTES } from '../json/parseContentInTurns';
import { utf8InSteps } from '../json/utf8InSteps';
import { type LoopTurn, runInTurns, runNow } from '../loopTurn';
import { isBase, isVersionRecord } from './recordShape';
import type { StoredResource, VersionRecord } from './types';

/**
 * The on-disk format of one resource log (format version 1):
 *
 *   file   = magic "BRAIDLOG" (8 bytes) | u32 format version | frame(log header) | [frame(base)] | frame(version)*
 *   frame  = u32 payload length | u32 CRC-32 of the payload | payload (UTF-8 JSON)
 *
 * All integers are little-endian. Payloads, told apart by their `type` field:
 *   {"type":"log","path":"/api/doc","compactedRecords":3}  first frame: the exact resource path (checked on
 *       load, so a file-name hash collision is caught) and how many version frames the last compaction wrote
 *       (so logSize survives a restart);
 *   {"type":"base","version":[..],"value":..}  only right after the log header, written by a compaction;
 *   {"type":"version","record":{..}}           one accepted version.
 *
 * A file is only ever created whole (temp file + rename), so a missing or bad magic/header is not a crash
 * artifact: it is reported as an error instead of being cut. Frames after the header are appended, so the
 * last one may be torn by a crash: decoding stops at the first frame that is short, oversized, fails its
 * CRC, is not JSON or has the wrong shape, and reports how many bytes were good.
 */

export const FILE_MAGIC = Buffer.from('BRAIDLOG', 'latin1');
export const FORMAT_VERSION = 1;
const FILE_PREFIX_BYTES = FILE_MAGIC.length + 4;
export const FRAME_HEADER_BYTES = 8;
/** Well below V8's string limit (~512 MiB), and far above anything the server accepts in one write. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** The log file is not one we can read (bad magic, unknown format version, bad header frame, other path). */
export class LogHeaderError extends Error {
  override name = 'LogHeaderError';
}

export interface DecodedLog extends StoredResource {
  /** Bytes of the file up to the end of the last good frame: the file is cut to this length. */
  goodBytes: number;
  /** Bytes of version frames appended after the ones the last compaction wrote. */
  appendedBytes: number;
  /** Why decoding stopped before the end of the file (undefined when the whole file was good). */
  stoppedBecause?: string;
}

/** The bytes of a new log file: prefix, log header, then the base and records of a compaction. */
export function encodeLogFile(path: string, state: StoredResource): Buffer {
  const parts: Buffer[] = [];
  for (const part of logFileParts(path, state)) if (part) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * The same bytes as encodeLogFile, as parts made a frame at a time with the event loop given back between
 * them (`turn`): compacting a big history encodes every record again, tens of ms per MiB.
 */
export async function encodeLogFileInTurns(
  path: string,
  state: StoredResource,
  turn: LoopTurn,
): Promise<Buffer[]> {
  // Small frames are joined into parts of about PART_BYTES (one file write each), big ones stay whole.
  const parts: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length > 0) parts.push(pending.length === 1 ? pending[0] : Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
  };
  for (const frame of logFileParts(path, state)) {
    if (frame && frame.length >= PART_BYTES) {
      flush();
      parts.push(frame); // (as it is: joining it to small frames was a copy of MiBs in one piece)
    } else if (frame) {
      pending.push(frame);
      pendingBytes += frame.length;
      if (pendingBytes >= PART_BYTES) flush();
    }
    await turn.pause();
  }
  flush();
  return parts;
}

const PART_BYTES = 1024 * 1024;

/** The frames of a log file in order; `undefined` between the passes of one frame (a place to pause). */
function* logFileParts(path: string, state: StoredResource): Generator<Buffer | undefined> {
  const prefix = Buffer.alloc(FILE_PREFIX_BYTES);
  FILE_MAGIC.copy(prefix);
  prefix.writeUInt32LE(FORMAT_VERSION, FILE_MAGIC.length);
  yield prefix;
  const header = { type: 'log', path, compactedRecords: state.records.length };
  yield encodeFrame(JSON.stringify(header));
  if (state.base) {
    const { version, value } = state.base;
    if (!isBase({ version })) throw cannotStore('base');
    // (undefined: JSON leaves `value` out, and it reads back as undefined.)
    const json = yield* jsonPiecesInSteps(value);
    const head = `{"type":"base","version":${JSON.stringify(version)}`;
    yield undefined;
    yield yield* encodeFrameInSteps(json === undefined ? [`${head}}`] : [`${head},"value":`, ...json, '}']);
  }
  for (const record of state.records) {
    // (A big content's JSON is made again here, in steps: a write remembers it only while it is handled.)
    const pieces = yield* versionFramePieces(record);
    yield undefined;
    yield yield* encodeFrameInSteps(pieces);
  }
}

/**
 * One version frame. Throws (before anything is written) if the record would not read back as valid. The
 * record is checked as it is (not by a JSON round trip, which cost a parse of every content), and its
 * contents' JSON is the text the write made once (json/contentJson.ts).
 */
export function encodeVersionFrame(record: VersionRecord): Buffer {
  return runNow(versionFrameInSteps(record));
}

/**
 * encodeVersionFrame in steps: a big record's frame (4 MiB: 15–20 ms) is written a slice at a time. Its first
 * step checks the record, so a record that cannot be stored throws before the first yield.
 */
export function* versionFrameInSteps(record: VersionRecord): Generator<undefined, Buffer> {
  return yield* encodeFrameInSteps(yield* versionFramePieces(record));
}

/**
 * A version frame's JSON as pieces in order: the small parts joined, each big content's JSON the string it is
 * (never concatenated into one: that string was copied once to be flattened and again to be encoded, ~25 ms
 * each for 4 MiB here).
 */
function* versionFramePieces(record: VersionRecord): Generator<undefined, string[]> {
  if (!isVersionRecord(record)) throw cannotStore('version record');
  // Every field as it is (also those other kinds of resource add: a text record's events, transformed…),
  // but the patches, whose contents' JSON is the text the write made.
  const pieces = new JsonPieces('{"type":"version","record":{');
  let separator = '';
  for (const [key, value] of Object.entries(record)) {
    if (key === 'patches') {
      pieces.add(`${separator}"patches":[`);
      yield* addPatches(record.patches, pieces);
      pieces.add(']');
    } else {
      const valueJson = JSON.stringify(value);
      if (valueJson === undefined) continue;
      pieces.add(`${separator}${JSON.stringify(key)}:${valueJson}`);
    }
    separator = ',';
  }
  pieces.add('}}');
  return pieces.done();
}

function* addPatches(patches: VersionRecord['patches'], pieces: JsonPieces): Generator<undefined, void> {
  for (let i = 0; i < patches.length; i++) {
    const patch = patches[i];
    pieces.add(`${i > 0 ? ',' : ''}{"range":${JSON.stringify(patch.range)}`);
    if (patch.content !== undefined) {
      const content = yield* contentJsonInSteps(patch);
      // (A value JSON cannot carry would read back as a delete.)
      if (content === undefined) throw cannotStore('version record');
      pieces.add(',"content":');
      pieces.add(content);
    }
    pieces.add('}');
  }
}

function cannotStore(what: string): TypeError {
  return new TypeError(`cannot store this ${what}: it does not survive JSON with a valid shape`);
}

/** The frame of `json`. */
function encodeFrame(json: string): Buffer {
  return runNow(encodeFrameInSteps([json]));
}

/**
 * The frame of the JSON text `pieces` (in order), encoded straight into it in steps (utf8InSteps), the CRC
 * carried from slice to slice.
 */
function* encodeFrameInSteps(pieces: readonly string[]): Generator<undefined, Buffer> {
  let crc = 0;
  const { bytes, body } = yield* utf8InSteps(pieces, frameHeaderRoom, '', (slice) => {
    crc = crc32(slice, crc);
  });
  bytes.writeUInt32LE(body.length, 0);
  bytes.writeUInt32LE(crc, 4);
  return bytes;
}

/** Room for a frame's header (written once the CRC is known), if the payload is not too large. */
function frameHeaderRoom(payloadBytes: number): string {
  if (payloadBytes > MAX_PAYLOAD_BYTES)
    throw new RangeError(`store record too large (${payloadBytes} bytes)`);
  return ' '.repeat(FRAME_HEADER_BYTES);
}

/** Decodes a whole log file for `path`; see the format notes above for what stops decoding. */
export function decodeLogFile(bytes: Buffer, path: string): DecodedLog {
  return runNow(decodeLogFileInSteps(bytes, path));
}

/**
 * decodeLogFile in turns that give the loop back between frames and inside a big one (loading a history of
 * 2.8 MB versions is a JSON.parse of tens of ms per frame).
 */
export function decodeLogFileInTurns(bytes: Buffer, path: string, turn: LoopTurn): Promise<DecodedLog> {
  return runInTurns(decodeLogFileInSteps(bytes, path), turn);
}

function* decodeLogFileInSteps(bytes: Buffer, path: string): Generator<undefined, DecodedLog> {
  if (bytes.length < FILE_PREFIX_BYTES || !bytes.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
    throw new LogHeaderError(`not a braid-live log (bad magic) for ${JSON.stringify(path)}`);
  }
  const format = bytes.readUInt32LE(FILE_MAGIC.length);
  if (format !== FORMAT_VERSION) {
    throw new LogHeaderError(`unsupported log format version ${format} for ${JSON.stringify(path)}`);
  }
  const frames = new FrameReader(bytes, FILE_PREFIX_BYTES);
  const header = yield* frames.next();
  if (!header.ok || header.payload.type !== 'log' || !isCount(header.payload.compactedRecords)) {
    throw new LogHeaderError(`bad log header frame for ${JSON.stringify(path)}`);
  }
  if (header.payload.path !== path) {
    throw new LogHeaderError(
      `log file for ${JSON.stringify(path)} holds ${JSON.stringify(header.payload.path)}`,
    );
  }
  const compactedRecords = header.payload.compactedRecords;
  const afterHeader = frames.offset;

  const log: DecodedLog = { records: [], goodBytes: frames.offset, appendedBytes: 0 };
  while (frames.offset < bytes.length) {
    const start = frames.offset;
    yield;
    const frame = yield* frames.next();
    if (!frame.ok) return { ...log, stoppedBecause: `${frame.reason} at byte ${start}` };
    const { payload } = frame;
    const type = String(payload.type);
    if (type === 'version' && isVersionRecord(payload.record)) {
      log.records.push(payload.record);
      if (log.records.length > compactedRecords) log.appendedBytes += frames.offset - start;
    } else if (type === 'base' && isBase(payload) && start === afterHeader) {
      // A base is only valid as the first frame after the header (a compaction writes it there).
      log.base = { version: payload.version, value: payload.value };
    } else {
      return { ...log, stoppedBecause: `invalid ${type} frame at byte ${start}` };
    }
    log.goodBytes = frames.offset;
  }
  return log;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

// biome-ignore lint/suspicious/noExplicitAny: internal (not exported): a parsed frame, each field checked where it is read
type FrameResult = { ok: true; payload: Record<string, any> } | { ok: false; reason: string };

/** JSON.parse(text), in steps for a big text (the incremental parser gives exactly what JSON.parse gives). */
function* parseJsonInSteps(text: string): Generator<undefined, unknown> {
  if (text.length < INCREMENTAL_PARSE_BYTES) return JSON.parse(text);
  const parser = new IncrementalJsonParser(text, Number.POSITIVE_INFINITY);
  while (!parser.step(PARSE_UNITS_PER_STEP)) yield;
  return parser.value;
}

const PARSE_UNITS_PER_STEP = 2048;

/** Reads frames one by one; `offset` only moves past frames that are whole, checksummed JSON objects. */
class FrameReader {
  constructor(
    private readonly bytes: Buffer,
    public offset: number,
  ) {}

  *next(): Generator<undefined, FrameResult> {
    const { bytes, offset } = this;
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'torn frame header' };
    const length = bytes.readUInt32LE(offset);
    if (length === 0 || length > MAX_PAYLOAD_BYTES)
      return { ok: false, reason: `bad frame length ${length}` };
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) return { ok: false, reason: 'torn frame' };
    const payloadBytes = bytes.subarray(offset + FRAME_HEADER_BYTES, end);
    if (crc32(payloadBytes) !== bytes.readUInt32LE(offset + 4)) return { ok: false, reason: 'CRC mismatch' };
    let payload: unknown;
    try {
      payload = yield* parseJsonInSteps(payloadBytes.toString('utf8'));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return { ok: false, reason: 'payload is not JSON' };
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return { ok: false, reason: 'payload is not an object' };
    }
    this.offset = end;
    // biome-ignore lint/suspicious/noExplicitAny: see FrameResult
    return { ok: true, payload: payload as Record<string, any> };
  }
}
