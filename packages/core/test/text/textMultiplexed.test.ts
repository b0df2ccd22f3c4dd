import { afterEach, expect, it } from 'vitest';
import { BraidClient } from '../../src/index';
import { TextResource } from '../../src/text/index';
import { startServer, type TestServer, waitFor } from '../client/harness';

// A TextResource given `subscribeFetch: client.subscriptionFetch` subscribes through the client's multiplexer stream, next to the client's
// JSON resources: one connection for both (a browser allows 6 per origin), and edits still go both ways.

let server: TestServer;
afterEach(() => server.stop());

it('a text subscription shares the multiplexer of a BraidClient through client.subscriptionFetch', async () => {
  server = await startServer(() => ({
    define: (braid) => {
      braid.resource('/json', { initial: { n: 1 } });
      braid.text('/text', { initial: 'hi' });
    },
  }));
  const client = new BraidClient({ baseUrl: server.base, multiplex: true });
  const json = client.resource<{ n: number }>('/json');
  const stop = json.subscribe(() => {});
  const text = new TextResource(`${server.base}/text`, { subscribeFetch: client.subscriptionFetch });
  const other = new TextResource(`${server.base}/text`);
  try {
    await Promise.all([json.ready, text.ready, other.ready]);
    expect(server.braid.stats().multiplexers).toBe(1);
    await waitFor(() => server.braid.stats().multiplexedSubscribers === 2, 5000, 'both in the multiplexer');
    text.edit([{ start: 2, end: 2, content: ' there' }]);
    await waitFor(() => other.text === 'hi there', 5000, 'the edit to reach a plain subscriber');
    other.edit([{ start: 0, end: 0, content: '👋 ' }]);
    await waitFor(() => text.text === '👋 hi there', 5000, 'a remote edit through the multiplexer');
  } finally {
    stop();
    text.close();
    other.close();
    client.close();
  }
});
