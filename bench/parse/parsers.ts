import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createUpdateParser } from '@braid-live/core/protocol';

/** A stream parser under test: feeds every chunk, returns how many updates and patches it produced. */
export type ParseStream = (chunks: readonly Uint8Array[]) => Promise<{ updates: number; patches: number }>;

const utf8 = new TextDecoder();

/** braid-live's createUpdateParser, framing only (contents stay bytes, as a client gets them). */
export const braidLiveFraming: ParseStream = async (chunks) => {
  let updates = 0;
  let patches = 0;
  const parser = createUpdateParser((update) => {
    updates++;
    patches += update.patches?.length ?? 0;
  });
  for (const c of chunks) parser.push(c);
  parser.end();
  return { updates, patches };
};

/** braid-live's parser plus JSON.parse of every patch's content: the same work as the NDJSON reader does. */
export const braidLiveWithJson: ParseStream = async (chunks) => {
  let updates = 0;
  let patches = 0;
  const parser = createUpdateParser((update) => {
    updates++;
    for (const patch of update.patches ?? []) {
      JSON.parse(utf8.decode(patch.content));
      patches++;
    }
  });
  for (const c of chunks) parser.push(c);
  parser.end();
  return { updates, patches };
};

/**
 * braid-http 1.3.80's client parser, as a black box: `subscription_parser(cb)` from its client module (the
 * function its fetch() feeds each chunk to with `await parser.read(chunk)`). The package's exports map hides
 * the module, so it is loaded by file path.
 */
type BraidHttpParser = {
  read(input: Uint8Array): Promise<void>;
  state: { result?: string; message?: string };
};
const require = createRequire(import.meta.url);
const braidHttpClient = require(join(dirname(require.resolve('braid-http')), 'braid-http-client.js')) as {
  subscription_parser: (cb: (update: any, error?: unknown) => void) => BraidHttpParser;
};

export const braidHttpParser: ParseStream = async (chunks) => {
  let updates = 0;
  let patches = 0;
  let failure: unknown;
  const parser = braidHttpClient.subscription_parser((update, error) => {
    if (error) failure ??= error;
    else {
      updates++;
      patches += update.patches?.length ?? 0;
    }
  });
  for (const c of chunks) {
    await parser.read(c);
    if (failure) throw failure;
  }
  return { updates, patches };
};

/** The limit: newline-delimited JSON, decoded per chunk and JSON.parse'd per line. */
export const ndjsonParse: ParseStream = async (chunks) => {
  let updates = 0;
  let patches = 0;
  const decoder = new TextDecoder();
  let carry = '';
  for (const c of chunks) {
    const text = carry + decoder.decode(c, { stream: true });
    let start = 0;
    let end = text.indexOf('\n');
    while (end !== -1) {
      const update = JSON.parse(text.slice(start, end)) as { patches: unknown[] };
      updates++;
      patches += update.patches.length;
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  return { updates, patches };
};
