/** The text bench's server, in its own process so that its CPU time is its own: one braid.text resource. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '@braid-live/server';
import { onParentMessage, sendToParent } from '../lib/child';

const braid = createBraidServer({ onError: () => {} });
braid.text('/doc/:n', { initial: '' });
const server = http.createServer(braid.handler);
server.listen(0, '127.0.0.1', () => {
  sendToParent({ type: 'ready', port: (server.address() as AddressInfo).port });
});
onParentMessage(async (message) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    sendToParent({ type: 'cpu', micros: user + system });
  }
  if (message.type === 'text')
    sendToParent({ type: 'text', text: (await braid.get<string>(message.path)).value });
});
