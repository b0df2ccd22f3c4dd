import { describe, expect, test } from 'vitest';
import { rebaseSelection } from '../src/lib/caret';

const at = (offset: number) => ({ start: offset, end: offset });

describe('rebaseSelection: the caret when the text changes remotely', () => {
  test('an insert before the caret pushes it right by the inserted length', () => {
    expect(rebaseSelection('hello world', 'hey, hello world', at(8))).toEqual(at(13));
  });

  test('an insert after the caret leaves it', () => {
    expect(rebaseSelection('hello world', 'hello world!!', at(5))).toEqual(at(5));
  });

  test('a delete before the caret pulls it left', () => {
    expect(rebaseSelection('abcdefgh', 'abgh', at(7))).toEqual(at(3));
  });

  test('a delete around the caret puts it where the deleted text was', () => {
    expect(rebaseSelection('abcdefgh', 'abgh', at(4))).toEqual(at(2));
  });

  test('an insert exactly at the caret appears after it (the user keeps typing where they were)', () => {
    expect(rebaseSelection('ab', 'abXY', at(2))).toEqual(at(2));
  });

  test('a selection keeps covering the same text', () => {
    expect(rebaseSelection('one two three', '>> one two three', { start: 4, end: 7 })).toEqual({
      start: 7,
      end: 10,
    });
  });

  test('surrogate pairs before the caret count as their UTF-16 length (as the textarea does)', () => {
    expect(rebaseSelection('ab', '😀ab', at(1))).toEqual(at(3));
  });
});
