import { createUpdateParser } from '../protocol/parseUpdateStream';
import type { Update } from '../protocol/types';
import { parseHeartbeats } from '../protocol/versions';
import { systemTimers, type Timers } from './machine/timers';

/**
 * Reads a subscription response body through the update parser until it ends. When the server echoed
 * `Heartbeats: N`, silence longer than 1.2·N+3 s counts as a dead connection (it aborts and throws).
 */
export async function readSubscription(
  response: Response,
  onUpdate: (update: Update) => void,
  abort: () => void,
  timers: Timers = systemTimers,
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
  const parser = createUpdateParser(onUpdate);
  const reader = response.body!.getReader();
  arm();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      parser.push(value);
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
