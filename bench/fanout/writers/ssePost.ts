import http from 'node:http';
import { nowMicros } from '../../lib/clock';
import { HOST } from '../config';
import { writeContent } from '../payload';
import type { ConnectWriter } from './types';

/** The SSE baseline's writer: POST /write with the JSON content over one keep-alive connection. */
export const connectWriter: ConnectWriter = async (port) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    write(seq) {
      const body = JSON.stringify(writeContent(seq, nowMicros()));
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            method: 'POST',
            host: HOST,
            port,
            path: '/write',
            agent,
            headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`POST answered ${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
};
