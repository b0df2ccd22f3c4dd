import type { Server } from 'node:net';
import { HOST } from '../config';

/**
 * Listens on 127.0.0.1 on a free port, with a backlog deep enough for 1000 subscribers connecting at once
 * (the default 511 would drop SYNs and stall some connections for a second).
 */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, backlog: 4096 }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      resolve(address.port);
    });
  });
}
