import { describe, expect, it } from 'vitest';
import {
  dechunk,
  loadRecording,
  rawNames,
  readHttpMessage,
  readRaw,
  recordingNames,
  subscriptionBodies,
  unescapeBytes,
} from './wireFixtures';

describe('wireFixtures loader', () => {
  it('finds the recordings', () => {
    expect(recordingNames()).toHaveLength(11);
    expect(rawNames()).toEqual(['subscribe-1.3.80.s2c.bin', 'subscribe-1.4.7.s2c.bin']);
  });

  it('decodes the escapes and nothing else', () => {
    expect(Array.from(unescapeBytes('a\\r\\n\\xc3\\xa9\\u00e9\\x'))).toEqual([
      0x61,
      13,
      10,
      0xc3,
      0xa9,
      ...new TextEncoder().encode('\\u00e9\\x'),
    ]);
  });

  it.each(recordingNames())('%s: every section has bytes, with header comments kept apart', (name) => {
    const recording = loadRecording(name);
    expect(recording.comments[0]).toMatch(/^Legend/);
    expect(recording.sections.length).toBeGreaterThan(1);
    for (const s of recording.sections) expect(s.title).not.toMatch(/^#/);
  });

  it.each(['1.3.80', '1.4.7'])('%s: de-chunking the exact bytes gives the recorded de-chunked view', (v) => {
    const [exact, dechunked] = subscriptionBodies(loadRecording(`braid-http-${v}-curl-subscribe.txt`));
    expect(exact.title).toMatch(/INCLUDING HTTP\/1.1 chunked framing/);
    expect(dechunked.title).toMatch(/chunked framing removed/);
    expect(Array.from(exact.body)).toEqual(Array.from(dechunked.body));
  });

  it.each(['1.3.80', '1.4.7'])('raw/subscribe-%s.s2c.bin is the exact recorded response', (v) => {
    const raw = readRaw(`subscribe-${v}.s2c.bin`);
    const exact = loadRecording(`braid-http-${v}-curl-subscribe.txt`).sections[1].bytes;
    expect(Array.from(raw)).toEqual(Array.from(exact));
    expect(readHttpMessage(raw, { dechunk: true }).startLine).toMatch(/^HTTP\/1.1 209/);
  });

  it('de-chunks a stream cut before its last chunk', () => {
    const bytes = new TextEncoder().encode('3\r\nabc\r\n2\r\n\r\n\r\n');
    expect(new TextDecoder().decode(dechunk(bytes).body)).toBe('abc\r\n');
  });
});
