import { describe, expect, test } from 'vitest';
import { validateIncidents, validateNotes, validateThresholds } from '../server/sharedResources';

describe('shared resources refuse malformed writes with a reason', () => {
  test('thresholds', () => {
    const ok = { temperature: 27, humidity: 75, pressure: 2.2, errorRate: 2, priceMove: 1.5 };
    expect(validateThresholds(ok)).toBe(true);
    expect(validateThresholds({ ...ok, temperature: 400 })).toMatch(/temperature must be between/);
    expect(validateThresholds({ ...ok, humidity: '75' })).toMatch(/humidity must be a number/);
    expect(validateThresholds({ ...ok, extra: 1 })).toMatch(/unknown threshold/);
  });

  test('incidents', () => {
    const item = { id: 'a', title: 'x', severity: 'minor', resolved: false, createdAt: 1, openedBy: 'Otter' };
    expect(validateIncidents({ items: [item] })).toBe(true);
    expect(validateIncidents({ items: [item, item] })).toMatch(/duplicate/);
    expect(validateIncidents({ items: [{ ...item, severity: 'doom' }] })).toMatch(/severity/);
    expect(validateIncidents({ items: 'nope' })).toMatch(/items/);
  });

  test('notes', () => {
    expect(validateNotes('hi')).toBe(true);
    expect(validateNotes('x'.repeat(20_001))).toMatch(/limited/);
  });
});
