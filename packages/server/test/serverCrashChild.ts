// A braid server on a fileStore, run as a child process by crashSafety.test.ts (which kills it with SIGKILL).
// Usage: node --import tsx serverCrashChild.ts <dir> [compactAfterBytes]
// Prints {"port": N} on stdout once listening.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBraidServer, fileStore } from '../src/index';

const [dir, compactAfterBytes] = process.argv.slice(2);
const braid = createBraidServer({
  store: fileStore(dir, {
    onRepair: (repair) => process.stderr.write(`repair: ${JSON.stringify(repair)}\n`),
  }),
  limits: compactAfterBytes ? { compactAfterBytes: Number(compactAfterBytes) } : {},
});
braid.resource('/log', { initial: { log: [] as string[] } });
const server = http.createServer(braid.handler);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
