/** One patch as framed on the wire: its range unit, range text, raw content bytes and its own headers. */
export interface PatchFrame {
  unit: string;
  range: string;
  content: Uint8Array;
  /** Lower-cased names; framing headers (Content-Length, Content-Range) excluded. */
  headers: Record<string, string>;
}

/** One update of a subscription stream (or one write request), as parsed from the wire. */
export interface Update {
  /** From an optional status line (`HTTP 200 OK`, `HTTP/1.1 200 OK`). */
  status?: number;
  version: string[];
  parents: string[];
  /** Non-framing headers, names lower-cased (framing: Version, Parents, Patches, Content-Length, Content-Range). */
  headers: Record<string, string>;
  /** A snapshot of the whole resource. */
  body?: Uint8Array;
  /** Patches against the parents. An update has either `body` or `patches`. */
  patches?: PatchFrame[];
}

/**
 * A JSON range patch in memory: `range` in the `json` range unit (`.a.b`, `["k"]`, `[3]`, `[1:4]`, `[-0:-0]`,
 * '' for the whole document). `content` absent means delete; for a slice it is an array of items (or a string
 * for a string slice).
 */
export interface JsonPatch {
  range: string;
  content?: unknown;
}

/** A parsed path segment: an object key or an array/string index. */
export type PathSegment = string | number;

/** A parsed range: the path to a value, and optionally a slice of the value at that path. */
export interface ParsedRange {
  path: PathSegment[];
  /** `[start:end]` slice of the array or string at `path`. Negative numbers count from the end; -0 is `Object.is(-0)`. */
  slice?: [number, number];
}
