// The client's two state machines as pure reducers: every transition of the diagrams, and events that do not
// apply leaving the state untouched (the same object, so nothing is re-rendered).
import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/client/BraidError';
import {
  type ConnectionEvent,
  type ConnectionMachineState,
  connectionReducer,
  initialConnection,
  isRunning,
  publicConnectionState,
} from '../../src/client/machine/connectionMachine';
import {
  MAX_RENAMES,
  newWrite,
  type WriteEvent,
  type WriteFacts,
  writeReducer,
} from '../../src/client/machine/writeMachine';

const run = (events: ConnectionEvent[], from = initialConnection): ConnectionMachineState =>
  events.reduce(connectionReducer, from);
const error = new BraidError('network', 'http://x/doc', 'the subscription ended');

describe('connection machine', () => {
  it('idle → connecting → live, and a drop goes to backoff then connecting with a growing attempt', () => {
    const connecting = run([{ type: 'start' }]);
    expect(connecting).toMatchObject({ phase: 'connecting', attempt: 0, serverAnswers: false });
    const live = connectionReducer(connecting, { type: 'live' });
    expect(live).toMatchObject({ phase: 'live', serverAnswers: true, error: undefined });
    const backoff = connectionReducer(live, { type: 'dropped', error, retryAfterMs: 2000 });
    expect(backoff).toMatchObject({ phase: 'backoff', serverAnswers: false, retryAfterMs: 2000, error });
    const again = connectionReducer(backoff, { type: 'retry' });
    expect(again).toMatchObject({ phase: 'connecting', attempt: 1, retryAfterMs: undefined, error });
    const twice = run([{ type: 'dropped' }, { type: 'retry' }], again);
    expect(twice).toMatchObject({ phase: 'connecting', attempt: 2, error }); // a drop without error keeps the last
  });

  it('a delivered update starts the backoff over; going live clears the error', () => {
    const s = run([{ type: 'start' }, { type: 'dropped', error }, { type: 'retry' }, { type: 'retry' }]);
    expect(s.attempt).toBe(1); // retry applies in backoff only
    const delivered = run([{ type: 'live' }, { type: 'delivered' }], s);
    expect(delivered).toMatchObject({ phase: 'live', attempt: 0, error: undefined });
  });

  it('a refusal stops the loop (failed) until started again', () => {
    const refused = run([{ type: 'start' }, { type: 'refused', error }]);
    expect(refused.phase).toBe('failed');
    expect(isRunning(refused)).toBe(false);
    expect(connectionReducer(refused, { type: 'retry' })).toBe(refused);
    expect(connectionReducer(refused, { type: 'start' }).phase).toBe('connecting');
  });

  it('offline from any running phase, and back through connect; nothing else moves it', () => {
    for (const before of [[], [{ type: 'live' }], [{ type: 'dropped' }]] as ConnectionEvent[][]) {
      const offline = run([{ type: 'start' }, ...before, { type: 'offline' }]);
      expect(offline.phase).toBe('offline');
      expect(connectionReducer(offline, { type: 'live' })).toBe(offline);
      expect(connectionReducer(offline, { type: 'retry' })).toBe(offline);
      expect(connectionReducer(offline, { type: 'connect' }).phase).toBe('connecting');
    }
  });

  it('answered and write-unanswered track whether buffered writes may go out', () => {
    const s = run([{ type: 'start' }, { type: 'answered' }]);
    expect(s.serverAnswers).toBe(true);
    expect(connectionReducer(s, { type: 'answered' })).toBe(s);
    expect(connectionReducer(s, { type: 'write-unanswered' }).serverAnswers).toBe(false);
    expect(connectionReducer(s, { type: 'connect' }).serverAnswers).toBe(false); // a new attempt starts unknown
  });

  it('resync is remembered across attempts until a subscription is answered', () => {
    const s = run([
      { type: 'start' },
      { type: 'live' },
      { type: 'resync' },
      { type: 'dropped' },
      { type: 'retry' },
    ]);
    expect(s.resync).toBe(true);
    expect(connectionReducer(s, { type: 'resynced' }).resync).toBe(false);
  });

  it('release goes idle from every running phase; close is final', () => {
    for (const before of [
      [],
      [{ type: 'live' }],
      [{ type: 'dropped' }],
      [{ type: 'offline' }],
    ] as ConnectionEvent[][])
      expect(run([{ type: 'start' }, ...before, { type: 'release' }]).phase).toBe('idle');
    const closed = run([{ type: 'start' }, { type: 'live' }, { type: 'close' }]);
    expect(closed.phase).toBe('closed');
    for (const type of ['start', 'connect', 'live', 'release', 'retry'] as const)
      expect(connectionReducer(closed, { type } as ConnectionEvent)).toBe(closed);
  });

  it('maps phases to the public status state; idle and closed keep the last one shown', () => {
    const at = (events: ConnectionEvent[]) => run(events);
    expect(publicConnectionState(at([{ type: 'start' }]), false)).toBe('connecting');
    expect(publicConnectionState(at([{ type: 'start' }]), true)).toBe('reconnecting');
    expect(publicConnectionState(at([{ type: 'start' }, { type: 'live' }]), true)).toBe('live');
    expect(publicConnectionState(at([{ type: 'start' }, { type: 'dropped' }]), true)).toBe('reconnecting');
    expect(publicConnectionState(at([{ type: 'start' }, { type: 'offline' }]), true)).toBe('offline');
    expect(publicConnectionState(at([{ type: 'start' }, { type: 'refused', error }]), true)).toBe('error');
    expect(publicConnectionState(initialConnection, true)).toBeUndefined();
    expect(publicConnectionState(at([{ type: 'close' }]), true)).toBeUndefined();
  });
});

const request = { parents: ['v1'], patches: [{ range: '.a', content: 1 }] };
const runWrite = (events: WriteEvent[], from: WriteFacts = newWrite('p-i-1')): WriteFacts =>
  events.reduce(writeReducer, from);

describe('write machine', () => {
  it('queued → sending → acked → confirmed by its echo, or by a snapshot after the ack', () => {
    const sending = runWrite([{ type: 'send', request }]);
    expect(sending).toMatchObject({ phase: 'sending', request });
    const acked = writeReducer(sending, { type: 'ok' });
    expect(acked.phase).toBe('acked');
    expect(writeReducer(acked, { type: 'echo' }).phase).toBe('confirmed');
    expect(writeReducer(acked, { type: 'snapshot' }).phase).toBe('confirmed');
  });

  it('an unanswered write is resent with the request as first sent', () => {
    const again = runWrite([{ type: 'send', request }, { type: 'unanswered' }]);
    expect(again.phase).toBe('queued');
    const other = { parents: ['v2'], patches: [] };
    expect(writeReducer(again, { type: 'send', request: other })).toMatchObject({
      phase: 'sending',
      request,
    });
  });

  it('409 for its Parents: conflicted until a snapshot, then re-based with a new request', () => {
    const conflicted = runWrite([{ type: 'send', request }, { type: 'conflict' }]);
    expect(conflicted.phase).toBe('conflicted');
    expect(writeReducer(conflicted, { type: 'send', request })).toBe(conflicted); // not resent before the snapshot
    const rebased = writeReducer(conflicted, { type: 'snapshot' });
    expect(rebased).toMatchObject({ phase: 'queued', request: undefined });
    const other = { parents: ['v9'], patches: [] };
    expect(writeReducer(rebased, { type: 'send', request: other }).request).toBe(other);
  });

  it('a snapshot while sending re-queues it with its request kept (the server may have it)', () => {
    const s = runWrite([{ type: 'send', request }, { type: 'snapshot' }]);
    expect(s).toMatchObject({ phase: 'queued', request });
  });

  it('version taken: a new id at most MAX_RENAMES times, then rejected', () => {
    let w = newWrite('p-i-1');
    for (let i = 1; i <= MAX_RENAMES; i++) {
      w = runWrite(
        [
          { type: 'send', request },
          { type: 'version-taken', newId: `p-i-${i + 1}` },
        ],
        w,
      );
      expect(w).toMatchObject({ phase: 'queued', id: `p-i-${i + 1}`, renames: i, request });
    }
    w = runWrite(
      [
        { type: 'send', request },
        { type: 'version-taken', newId: 'never' },
      ],
      w,
    );
    expect(w.phase).toBe('rejected');
    expect(w.id).toBe(`p-i-${MAX_RENAMES + 1}`);
  });

  it('refused is final; the echo may overtake the answer; terminal phases ignore everything', () => {
    const refused = runWrite([{ type: 'send', request }, { type: 'refused' }]);
    expect(refused.phase).toBe('rejected');
    const overtaken = runWrite([{ type: 'send', request }, { type: 'echo' }]);
    expect(overtaken.phase).toBe('confirmed');
    for (const done of [refused, overtaken])
      for (const event of [{ type: 'ok' }, { type: 'snapshot' }, { type: 'send', request }] as WriteEvent[])
        expect(writeReducer(done, event)).toBe(done);
    const acked = runWrite([{ type: 'send', request }, { type: 'ok' }]);
    expect(writeReducer(acked, { type: 'conflict' })).toBe(acked);
    expect(writeReducer(acked, { type: 'unanswered' })).toBe(acked);
  });
});
