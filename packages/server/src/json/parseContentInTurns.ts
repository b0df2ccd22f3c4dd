import { BraidProtocolError, FORBIDDEN_KEYS } from '@braid-live/core/protocol';
import { type LoopTurn, runInTurns } from '../loopTurn';
import { IncrementalJsonParser, JsonSyntaxError } from './incrementalJson';
import { contentTextInSteps, parseContent } from './parseContent';

/**
 * Contents at least this big are parsed in turns (JSON.parse of 256 KiB of tiny objects is ~3 ms; of the
 * largest body allowed, 4 MiB, ~50 ms in one piece). Smaller ones keep JSON.parse, which is faster.
 */
export const INCREMENTAL_PARSE_BYTES = 256 * 1024;

/** Contents whose decode is worth a turn of its own (1 MiB: ~4 ms here). */
const BIG_DECODE_BYTES = 1024 * 1024;

/** Values parsed between two looks at the clock (a few hundred µs of work). */
const UNITS_PER_STEP = 2048;

/**
 * parseContent (same value, same refusals and reasons), in turns that give the loop back for a big content:
 * the parse, then (only when the text held a forbidden key or nesting that deep) the same walk as
 * parseContent's, in the same order, so the first problem found is the one reported. `canonical`: the text is
 * exactly JSON.stringify of the value (the parser's judgement, see IncrementalJsonParser.canonical).
 */
export async function parseContentInTurns(
  bytes: Uint8Array,
  maxDepth: number,
  turn: LoopTurn,
): Promise<{ value: unknown; text: string; canonical?: boolean }> {
  if (bytes.length < INCREMENTAL_PARSE_BYTES) return parseContent(bytes, maxDepth);
  // (Its decode is one native pass, ~15 ms for 4 MiB here: taken in its own turn of the queue.)
  if (bytes.length >= BIG_DECODE_BYTES) await turn.queueBeforeBigStep();
  const text = await runInTurns(contentTextInSteps(bytes), turn);
  await turn.pause();
  const parser = new IncrementalJsonParser(text, maxDepth);
  try {
    while (!parser.step(UNITS_PER_STEP)) if (turn.due) await turn.pause();
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new BraidProtocolError('bad-json', `invalid JSON: ${e.message.slice(0, 120)}`);
  }
  if (parser.suspect) await checkInTurns(parser.value, maxDepth, turn);
  return { value: parser.value, text, canonical: parser.canonical };
}

interface Walk {
  node: object;
  depth: number;
  /** The object's keys (undefined for an array). */
  keys: string[] | undefined;
  next: number;
}

/** parseContent's checkNode with an explicit stack: the same visits in the same order, paused when due. */
async function checkInTurns(value: unknown, maxDepth: number, turn: LoopTurn): Promise<void> {
  if (typeof value !== 'object' || value === null) return;
  const stack: Walk[] = [];
  const enter = (node: object, depth: number) => {
    if (depth >= maxDepth) throw new BraidProtocolError('too-deep', `JSON nested deeper than ${maxDepth}`);
    stack.push({ node, depth, keys: Array.isArray(node) ? undefined : Object.keys(node), next: 0 });
  };
  enter(value, 0);
  let visits = 0;
  while (stack.length > 0) {
    if (++visits % UNITS_PER_STEP === 0 && turn.due) await turn.pause();
    const walk = stack[stack.length - 1];
    let item: unknown;
    if (walk.keys === undefined) {
      const array = walk.node as unknown[];
      if (walk.next >= array.length) {
        stack.pop();
        continue;
      }
      item = array[walk.next++];
    } else {
      if (walk.next >= walk.keys.length) {
        stack.pop();
        continue;
      }
      const key = walk.keys[walk.next++];
      if (FORBIDDEN_KEYS.has(key))
        throw new BraidProtocolError('forbidden-key', `forbidden key ${JSON.stringify(key)}`);
      item = (walk.node as Record<string, unknown>)[key];
    }
    if (typeof item === 'object' && item !== null) enter(item, walk.depth + 1);
  }
}
