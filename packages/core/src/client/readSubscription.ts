import { createUpdateParser, type UpdateParser } from '../protocol/parseUpdateStream';
import type { Update } from '../protocol/types';
import { parseHeartbeats } from '../protocol/versions';
import { systemTimers, type Timers } from './machine/timers';

/**
 * Reads a subscription response body through the update parser until it ends. When the server echoed
 * `Heartbeats: N`, silence longer than 1.2·N+3 s counts as a dead connection (it aborts and throws).
 * `onUpdate` may return a promise: the updates after it (and further reads) wait until it settles; a
 * rejection ends the read with that error. `onChunk` runs after each chunk's updates (it may ask the parser
 * whether it stands between updates).
 */
export async function readSubscription(
  response: Response,
  onUpdate: (update: Update) => void | Promise<void>,
  abort: () => void,
  timers: Timers = systemTimers,
  onChunk?: (parser: UpdateParser) => void,
): Promise<void> {
  const heartbeat = parseHeartbeats(response.headers.get('heartbeats') ?? '');
  const silenceMs = heartbeat ? (1.2 * heartbeat + 3) * 1000 : 0;
  let silent = false;
  let timer: unknown;
  const arm = () => {
    if (!silenceMs) return;
    timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      silent = true;
      abort();
    }, silenceMs);
  };
  const updates: Update[] = [];
  const parser = createUpdateParser((update) => updates.push(update));
  const reader = response.body!.getReader();
  arm();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      // The updates before a framing error in the same chunk are still delivered, then the error ends the read.
      let failed = false;
      let failure: unknown;
      try {
        parser.push(value);
      } catch (error) {
        failed = true;
        failure = error;
      }
      for (const update of updates.splice(0)) {
        const waiting = onUpdate(update);
        if (waiting) await waiting;
      }
      if (failed) throw failure;
      onChunk?.(parser);
    }
    parser.end();
  } catch (error) {
    if (silent) throw new Error(`no data or heartbeat for ${Math.round(silenceMs / 1000)} s`);
    throw error;
  } finally {
    timers.clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
}
