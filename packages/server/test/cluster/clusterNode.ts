// One braid-live server node on a redisStore, run as a child process by the cluster tests (which SIGKILL it).
// Usage (bundled by helpers/clusterNodes.ts): node clusterNode.cjs <redis url> [limits JSON]
// Prints {"port": N} on stdout once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer } from '../../src/index';
import { redisStore } from '../../src/redis';
import { RACE_INITIAL } from '../helpers/randomWrites';

const [url, limits] = process.argv.slice(2);
const braid = createBraidServer({
  store: redisStore({ url, onError: () => {} }),
  limits: limits ? JSON.parse(limits) : {},
  onError: (error, context) => process.stderr.write(`${context}: ${String(error)}\n`),
});
braid.resource('/race', { initial: RACE_INITIAL, initialVersion: 'v0' });
braid.resource('/log', { initial: { log: [] as string[] }, initialVersion: 'v0' });
const server = http.createServer(braid.handler);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
