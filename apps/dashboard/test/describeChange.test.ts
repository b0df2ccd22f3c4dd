import { describe, expect, test } from 'vitest';
import { describeChange } from '../src/lib/describeChange';

describe('describeChange: one line per version in the history panel', () => {
  test('keystrokes sent in one write read as one typed run', () => {
    expect(
      describeChange([
        { range: '.text[5:5]', content: 'h' },
        { range: '.text[6:6]', content: 'i' },
        { range: '.text[7:7]', content: '!' },
      ]),
    ).toBe('typed “hi!”');
  });

  test('deleting text', () => {
    expect(describeChange([{ range: '.text[2:5]' }])).toBe('deleted 3 chars');
  });

  test('a field set', () => {
    expect(describeChange([{ range: '.temperature', content: 28.5 }])).toBe('temperature → 28.5');
    expect(describeChange([{ range: '.items[2].resolved', content: true }])).toBe('resolved → yes');
  });

  test('adding, moving and removing list items', () => {
    expect(describeChange([{ range: '.items[0:0]', content: [{ title: 'Disk full' }] }])).toBe(
      'added “Disk full”',
    );
    expect(
      describeChange([{ range: '.items[1:2]' }, { range: '.items[2:2]', content: [{ title: 'Disk full' }] }]),
    ).toBe('moved “Disk full”');
    expect(describeChange([{ range: '.items[3:4]' }])).toBe('removed an item');
  });

  test('a whole-document write (e.g. a restore sent as a snapshot)', () => {
    expect(describeChange([{ range: '', content: { text: '' } }])).toBe('replaced the whole document');
  });
});
