import http from 'node:http';
import { serializeWrite } from '@braid-live/core/protocol';
import { nowMicros } from '../../lib/clock';
import { FEED_PATH, HOST, INITIAL_VERSION, WRITE_RANGE } from '../config';
import { versionOf, writeContent } from '../payload';
import type { ConnectWriter } from './types';

/**
 * A Braid writer over node:http with one keep-alive connection: PUT with `Version`, `Parents` (the previous
 * write, so never stale) and the patch inlined as `Content-Range: json .last`, built by serializeWrite.
 * Used for both braid servers (braid-live and braid-http): the same bytes on the wire.
 */
export const connectWriter: ConnectWriter = async (port) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    write(seq) {
      const { headers, body } = serializeWrite({
        version: [versionOf(seq)],
        parents: [seq === 0 ? INITIAL_VERSION : versionOf(seq - 1)],
        patches: [{ range: WRITE_RANGE, content: JSON.stringify(writeContent(seq, nowMicros())) }],
      });
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            method: 'PUT',
            host: HOST,
            port,
            path: FEED_PATH,
            agent,
            headers: { ...headers, 'Content-Length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`)),
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
