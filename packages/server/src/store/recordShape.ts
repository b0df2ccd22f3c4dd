import type { VersionRecord } from './types';

/**
 * Shape checks for what comes back from a log. The same checks run on every append (on the JSON round trip
 * of the record), so that a log never holds a frame that loading would reject: loading stops at the first
 * rejected frame, which would otherwise drop every record written after it.
 */

export function isVersionRecord(value: unknown): value is VersionRecord {
  if (!isObject(value)) return false;
  const { version, parents, patches, peer, time, digest } = value;
  return (
    typeof version === 'string' &&
    isStringArray(parents) &&
    Array.isArray(patches) &&
    patches.every(isJsonPatch) &&
    (peer === undefined || typeof peer === 'string') &&
    (digest === undefined || typeof digest === 'string') &&
    typeof time === 'number' &&
    Number.isFinite(time)
  );
}

/** A compaction base: `value` may be absent (JSON drops `undefined`), and then reads back as undefined. */
export function isBase(value: unknown): value is { version: string[]; value: unknown } {
  return isObject(value) && isStringArray(value.version);
}

function isJsonPatch(value: unknown): boolean {
  return isObject(value) && typeof value.range === 'string';
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
