import http from 'node:http';
import { FEED_PATH, HOST } from '../config';
import type { BaselineMessage } from '../payload';
import type { OpenSubscription } from './types';

// One connection per subscription, as a browser's EventSource has.
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** An EventSource-like reader: events end at a blank line; `data:` lines carry a JSON BaselineMessage. */
export const openSubscription: OpenSubscription = (port, sink) =>
  new Promise((resolve, reject) => {
    const req = http.get({
      host: HOST,
      port,
      path: FEED_PATH,
      agent,
      headers: { Accept: 'text/event-stream' },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      res.setEncoding('utf8');
      let pending = '';
      let ready = false;
      res.on('data', (text: string) => {
        pending += text;
        let end = pending.indexOf('\n\n');
        while (end !== -1) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          end = pending.indexOf('\n\n');
          if (!ready) {
            ready = true;
            resolve(() => req.destroy());
            continue;
          }
          const data = event.startsWith('data: ') ? event.slice(6) : undefined;
          try {
            sink.delivered((JSON.parse(data ?? '') as BaselineMessage).content.t);
          } catch (error) {
            sink.error(error);
          }
        }
      });
      res.on('close', () => ready && sink.closed());
    });
  });
