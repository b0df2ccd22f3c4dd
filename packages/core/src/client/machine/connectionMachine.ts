import type { BraidError } from '../BraidError';
import type { ConnectionState } from '../types';

/*
 * The connection of one ClientResource, as a pure reducer (the loop in ClientResource performs the effects:
 * fetches, timers, aborts, and dispatches what happened).
 *
 *                 start                      live (209 head, or a GET says we are current)
 *     ┌──────┐ ─────────► ┌────────────┐ ─────────────────────────────► ┌──────┐
 *     │ idle │            │ connecting │ ◄── connect (next attempt) ──  │ live │
 *     └──────┘ ◄─┐        └────────────┘                                └──────┘
 *        ▲       │          │  ▲     │ refused (4xx not worth retrying)    │
 *        │       │          │  │     ▼                                     │ dropped (stream ended, failed,
 *        │ release          │  │   ┌────────┐  start                       │ went silent; a write unanswered)
 *        │ (from any        │  │   │ failed │ ─────► connecting            ▼
 *        │  running state)  │  │   └────────┘                        ┌─────────┐
 *        │                  │  └──────── retry (backoff elapsed) ─── │ backoff │
 *        │                  └─── dropped ────────────────────────►   └─────────┘
 *        │
 *     ┌─────────┐  offline (from connecting, live, backoff)   ┌────────┐
 *     │ offline │ ◄────────────────────────────────────────── │  any   │   close (from any): closed, for good
 *     └─────────┘ ── connect (back online) ──► connecting     └────────┘
 *
 * Beside the phase it carries what the loop must remember across attempts: the backoff exponent (reset once a
 * stream delivered a valid update, so a 209 that fails at once keeps backing off), whether the server answered
 * in this attempt (buffered writes may go out), and whether the next subscription must ask for a snapshot.
 */

export type ConnectionPhase = 'idle' | 'connecting' | 'live' | 'backoff' | 'offline' | 'failed' | 'closed';

export interface ConnectionMachineState {
  readonly phase: ConnectionPhase;
  /** Failed attempts since a stream last delivered a valid update (the backoff exponent). */
  readonly attempt: number;
  /** The server answered a request of the current attempt: buffered writes may go out. */
  readonly serverAnswers: boolean;
  /** Our confirmed state is in doubt (a 409, a missing echo, bad data): the next subscription asks for a snapshot. */
  readonly resync: boolean;
  /** Least wait before the next attempt (the server's Retry-After), while in backoff. */
  readonly retryAfterMs?: number;
  /** Why the connection last dropped or was refused (cleared when live). */
  readonly error?: BraidError;
}

export type ConnectionEvent =
  /** The resource is wanted (a listener, a write, `ready`): the loop starts. */
  | { type: 'start' }
  /** The loop begins an attempt (first, after a backoff, back online). */
  | { type: 'connect' }
  /** The server answered a request of this attempt (a head, a GET, a PUT's answer). */
  | { type: 'answered' }
  /** The subscription is live (or a GET said nothing is coming until the next update). */
  | { type: 'live' }
  /** A stream delivered a valid update: the backoff starts over. */
  | { type: 'delivered' }
  /** The attempt ended and is worth retrying (after a backoff, at least `retryAfterMs`). */
  | { type: 'dropped'; error?: BraidError; retryAfterMs?: number }
  /** A refusal retrying will not fix (401, 403, 404...): stop until started again. */
  | { type: 'refused'; error: BraidError }
  /** The backoff elapsed (or the network came back): try again. */
  | { type: 'retry' }
  /** The browser went offline: wait for 'online', not for a backoff. */
  | { type: 'offline' }
  /** A write got no answer: the server is not known to answer any more. */
  | { type: 'write-unanswered' }
  /** The confirmed state is in doubt: ask for a snapshot next. */
  | { type: 'resync' }
  /** A subscription was answered without Parents: the snapshot is on its way. */
  | { type: 'resynced' }
  /** No listeners, nothing pending, the grace period over. */
  | { type: 'release' }
  /** client.close(). */
  | { type: 'close' };

export const initialConnection: ConnectionMachineState = {
  phase: 'idle',
  attempt: 0,
  serverAnswers: false,
  resync: false,
};

const RUNNING: ReadonlySet<ConnectionPhase> = new Set(['connecting', 'live', 'backoff', 'offline']);

/** The one transition function. Events that do not apply in a phase leave the state as it is (same object). */
export function connectionReducer(
  state: ConnectionMachineState,
  event: ConnectionEvent,
): ConnectionMachineState {
  const { phase } = state;
  if (phase === 'closed') return state;
  switch (event.type) {
    case 'close':
      return { ...state, phase: 'closed', serverAnswers: false };
    case 'start':
      return phase === 'idle' || phase === 'failed'
        ? { ...state, phase: 'connecting', attempt: 0, serverAnswers: false, retryAfterMs: undefined }
        : state;
    case 'release':
      return RUNNING.has(phase) ? { ...state, phase: 'idle', serverAnswers: false } : state;
    case 'connect':
      return RUNNING.has(phase)
        ? { ...state, phase: 'connecting', serverAnswers: false, retryAfterMs: undefined }
        : state;
    case 'answered':
      return (phase === 'connecting' || phase === 'live') && !state.serverAnswers
        ? { ...state, serverAnswers: true }
        : state;
    case 'live':
      return phase === 'connecting' || phase === 'live'
        ? { ...state, phase: 'live', serverAnswers: true, error: undefined }
        : state;
    case 'delivered':
      return (phase === 'connecting' || phase === 'live') && state.attempt !== 0
        ? { ...state, attempt: 0 }
        : state;
    case 'dropped':
      return phase === 'connecting' || phase === 'live'
        ? {
            ...state,
            phase: 'backoff',
            serverAnswers: false,
            retryAfterMs: event.retryAfterMs,
            error: event.error ?? state.error,
          }
        : state;
    case 'refused':
      return phase === 'connecting' || phase === 'live'
        ? { ...state, phase: 'failed', serverAnswers: false, error: event.error }
        : state;
    case 'retry':
      return phase === 'backoff'
        ? {
            ...state,
            phase: 'connecting',
            attempt: state.attempt + 1,
            serverAnswers: false,
            retryAfterMs: undefined,
          }
        : state;
    case 'offline':
      return phase === 'connecting' || phase === 'live' || phase === 'backoff'
        ? { ...state, phase: 'offline', serverAnswers: false }
        : state;
    case 'write-unanswered':
      return state.serverAnswers ? { ...state, serverAnswers: false } : state;
    case 'resync':
      return state.resync ? state : { ...state, resync: true };
    case 'resynced':
      return state.resync ? { ...state, resync: false } : state;
  }
}

/** Whether the loop runs (an idle, failed or closed resource has no connection). */
export function isRunning(state: ConnectionMachineState): boolean {
  return RUNNING.has(state.phase);
}

/**
 * The public status state of a phase. A released (idle) or closed resource keeps showing its last state, as it
 * always did: `undefined` means "unchanged".
 */
export function publicConnectionState(
  state: ConnectionMachineState,
  loaded: boolean,
): ConnectionState | undefined {
  return state.phase === 'connecting' && loaded ? 'reconnecting' : PUBLIC_STATE[state.phase];
}

const PUBLIC_STATE: Partial<Record<ConnectionPhase, ConnectionState>> = {
  connecting: 'connecting',
  live: 'live',
  backoff: 'reconnecting',
  offline: 'offline',
  failed: 'error',
};
