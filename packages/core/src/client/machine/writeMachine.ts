import type { JsonPatch } from '../../protocol/types';

/*
 * The phases of the one write in flight (the edits behind it wait in the buffer, phase "buffered", not modelled
 * here), as a pure reducer. ClientResource performs the PUTs and dispatches their answers.
 *
 *                  send                      2xx                       echo on the stream,
 *   ┌────────┐ ──────────► ┌─────────┐ ──────────────► ┌───────┐ ──── or a snapshot after the ack ───► confirmed
 *   │ queued │             │ sending │                 │ acked │
 *   └────────┘ ◄────────── └─────────┘                 └───────┘
 *     ▲  ▲   no answer / network error   │  │  │ 409 "version taken": a new id, sent again (≤ 3 times, then rejected)
 *     │  │   (resent under the same      │  │  └─────────────────────────────────────────────────► rejected
 *     │  │    Version and request)       │  │ 4xx/5xx not worth retrying ─────────────────────────► rejected
 *     │  │                               │  ▼
 *     │  │  snapshot (re-based,          │ ┌────────────┐ 409 (our Parents unknown: the server does not have it)
 *     │  └─ request as first sent) ──────┘ │ conflicted │
 *     └──── snapshot (re-based, new request) ┘
 *
 * A queued or sending write may also be confirmed directly: its echo can overtake the PUT's answer.
 */

export type WritePhase = 'queued' | 'sending' | 'acked' | 'conflicted' | 'confirmed' | 'rejected';

/** What the reducer decides about a write (its patches are the optimistic state's business). */
export interface WriteFacts {
  readonly phase: WritePhase;
  /** Its Version id (changes only when the server says another write holds it). */
  readonly id: string;
  /** How many times it got a new id because its Version was taken (bounded: no loop). */
  readonly renames: number;
  /**
   * The request as first sent (Parents and patches). Every resend of this Version sends exactly these, so the
   * server can tell the retry from another write (a taken Version with other content is a 409). Cleared only when
   * the server said it does not have the write (409 for its Parents), so the re-based form goes next.
   */
  readonly request?: { readonly parents: string[]; readonly patches: JsonPatch[] };
}

export type WriteEvent =
  /** The PUT goes out (with `request`, fixed the first time). */
  | { type: 'send'; request: { parents: string[]; patches: JsonPatch[] } }
  /** No answer (network error, timeout, the loop stopped): it goes again, the same request. */
  | { type: 'unanswered' }
  /** 2xx: the server has it; its echo is on the way. */
  | { type: 'ok' }
  /** 409 for our Parents: the server does not have it; wait for a fresh snapshot. */
  | { type: 'conflict' }
  /** 409 "version taken": another write holds this Version. */
  | { type: 'version-taken'; newId: string }
  /** Refused for good (4xx/5xx not worth retrying). */
  | { type: 'refused' }
  /** Our own version came back on the subscription. */
  | { type: 'echo' }
  /** A fresh snapshot arrived: an acked write is part of it; any other is re-based onto it. */
  | { type: 'snapshot' };

/** A write whose Version was taken gets a new id at most this many times, then is refused (no loop). */
export const MAX_RENAMES = 3;

export function newWrite(id: string): WriteFacts {
  return { phase: 'queued', id, renames: 0 };
}

/** The one transition function for a write. Events that do not apply leave it as it is (same object). */
export function writeReducer(write: WriteFacts, event: WriteEvent): WriteFacts {
  const { phase } = write;
  if (phase === 'confirmed' || phase === 'rejected') return write;
  switch (event.type) {
    case 'send':
      return phase === 'queued'
        ? { ...write, phase: 'sending', request: write.request ?? event.request }
        : write;
    case 'unanswered':
      return phase === 'sending' ? { ...write, phase: 'queued' } : write;
    case 'ok':
      return phase === 'sending' || phase === 'queued' ? { ...write, phase: 'acked' } : write;
    case 'conflict':
      return phase === 'sending' ? { ...write, phase: 'conflicted' } : write;
    case 'version-taken':
      if (phase !== 'sending') return write;
      if (write.renames >= MAX_RENAMES) return { ...write, phase: 'rejected' };
      return { ...write, phase: 'queued', id: event.newId, renames: write.renames + 1 };
    case 'refused':
      return phase === 'sending' || phase === 'queued' ? { ...write, phase: 'rejected' } : write;
    case 'echo':
      return { ...write, phase: 'confirmed' };
    case 'snapshot':
      if (phase === 'acked') return { ...write, phase: 'confirmed' };
      if (phase === 'conflicted') return { ...write, phase: 'queued', request: undefined };
      return phase === 'sending' ? { ...write, phase: 'queued' } : write;
  }
}
