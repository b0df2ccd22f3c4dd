import { describe, expect, it } from 'vitest';
import { DiscardRate } from './discardRate';

describe('DiscardRate', () => {
  it('asks to wait as long as the bytes taken so far need at its pace, across callers', () => {
    const rate = new DiscardRate(1000, 20); // 1 byte per ms, 20 ms of credit
    expect(rate.take(10, 100)).toBe(0); // within the credit of idle time
    expect(rate.take(20, 100)).toBe(10); // 30 bytes at t=100: paid at t=110
    expect(rate.take(5, 100)).toBe(15); // another connection's chunk waits behind them
    expect(rate.take(5, 115)).toBe(5);
  });

  it('counts idle time as credit only up to its burst', () => {
    const rate = new DiscardRate(1000, 20);
    expect(rate.take(50, 10_000)).toBe(30); // a long idle spell gives 20 ms, not 10 s
  });

  it('never waits at an infinite pace', () => {
    expect(new DiscardRate(Number.POSITIVE_INFINITY).take(1e12, 0)).toBe(0);
  });
});
