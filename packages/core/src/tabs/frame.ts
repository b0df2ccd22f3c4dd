import { concatBytes } from '../concatBytes';
import { formatVersions, type Update } from '../protocol/index';

const encoder = new TextEncoder();

/**
 * The bytes of one update, for a tab's stream: a parsed Update (already checked by the parser, so no checks
 * here) or a snapshot. Its own few lines rather than protocol's serializeUpdate, which would move into the
 * page's initial bundle with it (the protocol module is there already, and bundlers split by module).
 */
export function frameUpdate(
  update: Pick<Update, 'version' | 'parents' | 'headers' | 'body' | 'patches'>,
): Uint8Array {
  let head = 'HTTP 200 OK\r\n';
  if (update.version.length) head += `Version: ${formatVersions(update.version)}\r\n`;
  if (update.parents.length) head += `Parents: ${formatVersions(update.parents)}\r\n`;
  for (const [name, value] of Object.entries(update.headers)) head += `${name}: ${value}\r\n`;
  const pieces: (string | Uint8Array)[] = [];
  if (update.patches) {
    pieces.push(`${head}Patches: ${update.patches.length}\r\n\r\n`);
    for (const patch of update.patches) {
      let patchHead = `Content-Length: ${patch.content.length}\r\nContent-Range: ${patch.unit}`;
      if (patch.range !== '') patchHead += ` ${patch.range}`;
      patchHead += '\r\n';
      for (const [name, value] of Object.entries(patch.headers)) patchHead += `${name}: ${value}\r\n`;
      pieces.push(`${patchHead}\r\n`, patch.content, '\r\n\r\n');
    }
  } else {
    const body = update.body ?? new Uint8Array(0);
    pieces.push(`${head}Content-Length: ${body.length}\r\n\r\n`, body, '\r\n\r\n');
  }
  return concatBytes(pieces.map((p) => (typeof p === 'string' ? encoder.encode(p) : p)));
}
