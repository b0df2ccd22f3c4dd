import { fetch as braidFetch } from 'braid-http';
import { FEED_PATH, HOST } from '../config';
import type { WriteContent } from '../payload';
import type { OpenSubscription } from './types';

/**
 * braid-http's own client, as its README shows: `fetch(url, {subscribe: true})` then `res.subscribe(cb)`.
 * The first update is the snapshot (body); later ones carry the write's patch.
 */
export const openSubscription: OpenSubscription = async (port, sink) => {
  const controller = new AbortController();
  const res = await braidFetch(`http://${HOST}:${port}${FEED_PATH}`, {
    subscribe: true,
    signal: controller.signal,
  });
  return new Promise((resolve) => {
    let ready = false;
    res.subscribe(
      (update) => {
        if (!ready) {
          ready = true;
          resolve(() => controller.abort());
          return;
        }
        try {
          sink.delivered((JSON.parse(update.patches![0].content_text) as WriteContent).t);
        } catch (error) {
          sink.error(error);
        }
      },
      () => ready && sink.closed(),
    );
  });
};
