import http from 'node:http';
import { createUpdateParser } from '@braid-live/core/protocol';
import { FEED_PATH, HOST } from '../config';
import type { WriteContent } from '../payload';
import type { OpenSubscription } from './types';

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** A patch's content as text: Buffer's utf8 slice, the same cheap decode the other subscribers use. */
const text = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/**
 * A Braid subscription with nothing but node:http and braid-live's parser: GET + `Subscribe: true`, the 209
 * body's bytes pushed into createUpdateParser. The first update is the snapshot; each later one carries the
 * write's patch, whose JSON content holds the writer's timestamp.
 */
export const openSubscription: OpenSubscription = (port, sink) =>
  new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: FEED_PATH, agent, headers: { Subscribe: 'true' } });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 209) {
        reject(new Error(`subscribe answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let ready = false;
      const parser = createUpdateParser((update) => {
        if (!ready) {
          ready = true;
          resolve(() => req.destroy());
          return;
        }
        try {
          const content = update.patches![0].content;
          sink.delivered((JSON.parse(text(content)) as WriteContent).t);
        } catch (error) {
          sink.error(error);
        }
      });
      res.on('data', (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (error) {
          sink.error(error);
          req.destroy();
        }
      });
      res.on('close', () => ready && sink.closed());
    });
  });
