import { BraidError } from '../client/BraidError';
import { encodeWrite } from '../client/encodeWrite';
import type { FetchLike } from '../client/types';
import type { StoredReplica } from './types';

export interface ReplayContext {
  url: string;
  fetch: FetchLike;
  peer: string;
  headers(): Promise<Record<string, string>>;
  nextVersionId(): string;
  report(error: BraidError): void;
}

/** Tries per write before it is left for the next page load. */
const ATTEMPTS = 5;

/**
 * Sends what a second closed tab left for the same resource (the first one's replica became this tab's own): its
 * write in flight as first sent (a retry if the server has it; rebased by the server if its Parents are old),
 * then its buffered edits as one new write on top. The buffer's Version is saved before it is sent, so a crash
 * mid-way resends it as a retry, never as a second write. Forgotten once the server has both; a refusal is
 * reported (nothing is dropped silently); a network failure leaves it for the next load.
 */
export async function replayReplica(
  ctx: ReplayContext,
  persisted: { forget(tab: string): Promise<void> },
  store: { save(resource: string, tab: string, replica: object): Promise<void> },
  replica: StoredReplica,
): Promise<void> {
  let inflight = replica.inflight;
  let buffer = replica.buffer;
  for (;;) {
    if (!inflight && buffer) {
      const parents = replica.inflight?.version
        ? [replica.inflight.version]
        : (replica.confirmed?.version ?? []);
      inflight = { version: ctx.nextVersionId(), request: { parents, patches: buffer.patches }, ...buffer };
      buffer = undefined;
      await store.save(replica.resource, replica.tab, { inflight, confirmed: replica.confirmed });
    }
    if (!inflight) break;
    const request = inflight.request ?? {
      parents: replica.confirmed?.version ?? [],
      patches: inflight.patches,
    };
    const answer = await put(ctx, inflight.version, request.parents, request.patches);
    if (answer === 'unanswered') return; // kept for the next page load
    if (answer !== 'ok') {
      ctx.report(new BraidError('rejected', ctx.url, `an edit left by a closed tab was refused: ${answer}`));
    }
    replica = { ...replica, inflight };
    inflight = undefined;
    if (!buffer) break;
  }
  await persisted.forget(replica.tab);
}

async function put(
  ctx: ReplayContext,
  version: string,
  parents: string[],
  patches: Parameters<typeof encodeWrite>[2],
): Promise<'ok' | 'unanswered' | string> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const request = encodeWrite(version, parents, patches);
      const response = await ctx.fetch(ctx.url, {
        method: 'PUT',
        headers: { ...(await ctx.headers()), ...request.headers, Peer: ctx.peer },
        body: request.body as BodyInit,
      });
      const reason = (await response.text()).trim().slice(0, 300);
      if (response.ok) return 'ok';
      if (response.status === 503 || response.status === 429) continue;
      return `${response.status} ${reason}`;
    } catch {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
  return 'unanswered';
}
