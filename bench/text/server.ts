/** The text bench's server, in its own process so that its CPU time is its own: one braid.text resource. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '@braid-live/server';
import { onParentMessage, sendToParent } from '../lib/child';

const braid = createBraidServer({ onError: () => {} });
braid.text('/doc/:n', { initial: '' });
// A long document of N code points (lines of prose), the same at every start.
const line = 'The quick brown fox jumps over the lazy dog, again and again. ';
braid.text('/long/:n', {
  initial: ({ n }) => line.repeat(Math.ceil(Number(n) / line.length)).slice(0, Number(n)),
});
const server = http.createServer(braid.handler);
server.listen(0, '127.0.0.1', () => {
  sendToParent({ type: 'ready', port: (server.address() as AddressInfo).port });
});
onParentMessage(async (message) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    sendToParent({ type: 'cpu', micros: user + system, userMicros: user });
  }
  if (message.type === 'text')
    sendToParent({ type: 'text', text: (await braid.get<string>(message.path)).value });
});
