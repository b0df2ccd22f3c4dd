import { WebSocket } from 'ws';
import { FEED_PATH, HOST } from '../config';
import type { BaselineMessage } from '../payload';
import type { OpenSubscription } from './types';

/** A `ws` client: the first message is the hello, every later one a JSON BaselineMessage. */
export const openSubscription: OpenSubscription = (port, sink) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${HOST}:${port}${FEED_PATH}`, { perMessageDeflate: false });
    let ready = false;
    socket.on('message', (data) => {
      if (!ready) {
        ready = true;
        resolve(() => socket.terminate());
        return;
      }
      try {
        sink.delivered((JSON.parse(String(data)) as BaselineMessage).content.t);
      } catch (error) {
        sink.error(error);
      }
    });
    socket.on('error', (error) => (ready ? sink.error(error) : reject(error)));
    socket.on('close', () => ready && sink.closed());
  });
