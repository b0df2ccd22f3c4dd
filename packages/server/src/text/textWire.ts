import { createHash } from 'node:crypto';
import { formatVersions } from '@braid-live/core/protocol';
import type { TextSplice } from '@braid-live/core/text';

/** The representation type of every text resource, as braid-text writes it. */
export const TEXT_REPR_TYPE = 'text/plain; charset=utf-8';

/** `Repr-Digest` of a text (RFC 9530): SHA-256 of its UTF-8 bytes. */
export function textDigest(text: string): string {
  return `sha-256=:${createHash('sha256').update(text, 'utf8').digest('base64')}:`;
}

export interface TextUpdate {
  version: readonly string[];
  parents: readonly string[];
  /** Repr-Digest of the text after this update (sent when the update leads to the current version). */
  digest?: string;
  /** The whole text (a snapshot), or */
  body?: string;
  /** a parallel set of splices against the text at `parents`. */
  splices?: readonly TextSplice[];
}

/**
 * One update of a simpleton subscription, byte for byte as braid-text 0.6.1 on braid-http 1.4.7 writes it
 * (../shared/braid-wire/text/README.md §2): status line, Version, Parents (always, possibly empty), lower-case
 * repr-digest, Content-Type; a snapshot or a single splice inlined with Content-Length (and Content-Range),
 * several as `Patches: N`; every update ends with CRLF CRLF.
 */
export function textUpdateBytes(update: TextUpdate): Buffer {
  let head = `HTTP 200 OK\r\nVersion: ${formatVersions(update.version)}\r\nParents: ${formatVersions(update.parents)}\r\n`;
  if (update.digest !== undefined) head += `repr-digest: ${update.digest}\r\n`;
  const splices = update.splices;
  if (splices === undefined || splices.length === 1) {
    const content = Buffer.from(splices ? splices[0].content : (update.body ?? ''), 'utf8');
    head += `Content-Type: ${TEXT_REPR_TYPE}\r\nContent-Length: ${content.length}\r\n`;
    if (splices) head += `Content-Range: text [${splices[0].start}:${splices[0].end}]\r\n`;
    return Buffer.concat([Buffer.from(`${head}\r\n`, 'utf8'), content, CRLF2]);
  }
  head += `Content-Type: application/http-patches; count=${splices.length}\r\nPatches: ${splices.length}\r\n\r\n`;
  const parts: Buffer[] = [Buffer.from(head, 'utf8')];
  for (const splice of splices) {
    const content = Buffer.from(splice.content, 'utf8');
    parts.push(
      Buffer.from(
        `Content-Length: ${content.length}\r\nContent-Range: text [${splice.start}:${splice.end}]\r\n\r\n`,
        'utf8',
      ),
      content,
      CRLF2,
    );
  }
  return Buffer.concat(parts);
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
