import { afterEach, expect, it } from 'vitest';
import { TextResource } from '../../src/text/index';
import { startServer, type TestServer, waitFor } from '../client/harness';

// Typing before the text has loaded (a textarea bound at once, a slow first answer): what was typed is kept and
// sent once the text arrives, after the server's text — never dropped by the load.

let server: TestServer;
afterEach(() => server.stop());

it('edits made before the first load are kept on the loaded text and reach the server', async () => {
  server = await startServer(() => ({ define: (braid) => braid.text('/text', { initial: 'hello' }) }));
  const early = new TextResource(`${server.base}/text`);
  const other = new TextResource(`${server.base}/text`);
  try {
    early.edit([{ start: 0, end: 0, content: 'typed early' }]); // before its subscription answered
    expect(early.text).toBe('typed early');
    await Promise.all([early.ready, other.ready]);
    expect(early.text).toContain('hello');
    expect(early.text).toContain('typed early');
    expect(early.text.length).toBe('hello'.length + 'typed early'.length);
    await waitFor(() => other.text === early.text, 5000, 'the early edit to reach another peer');
    await waitFor(() => !early.pending, 5000, 'the early edit to be confirmed');
  } finally {
    early.close();
    other.close();
  }
});
