import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { http_server as braidify } from 'braid-http';
import { FEED_PATH } from '../config';
import type { WriteContent } from '../payload';
import { BaselineDoc } from './baselineDoc';
import { listen } from './listen';
import type { StartServer } from './types';

type BraidReq = IncomingMessage & Record<string, any>;
type BraidRes = ServerResponse & Record<string, any>;

/**
 * The reference implementation, braid-http 1.3.80, used as its README shows: `braidify` around a node:http
 * handler, `res.startSubscription()` + `res.sendUpdate()` for each subscriber, `await req.parseUpdate()` for a
 * PUT. Each write's patches go to every subscriber with sendUpdate, then the PUT is answered 200.
 */
export const startServer: StartServer = async () => {
  const state = new BaselineDoc();
  const subscriptions = new Set<BraidRes>();

  const handler = async (req: BraidReq, res: BraidRes) => {
    if (req.url !== FEED_PATH) return res.writeHead(404).end();
    if (req.method === 'GET' && req.subscribe) {
      res.startSubscription({ onClose: () => subscriptions.delete(res) });
      res.sendUpdate({ version: [state.version], body: JSON.stringify(state.doc) });
      subscriptions.add(res);
      return;
    }
    if (req.method === 'PUT') {
      const update = await req.parseUpdate();
      const patch = update.patches[0];
      const content = JSON.parse(new TextDecoder().decode(patch.content)) as WriteContent;
      state.apply(content.seq, content);
      const patches = [{ unit: patch.unit, range: patch.range, content: patch.content }];
      for (const subscription of subscriptions) {
        subscription.sendUpdate({ version: req.version, parents: req.parents, patches });
      }
      res.statusCode = 200;
      return res.end();
    }
    res.writeHead(405).end();
  };
  const server = http.createServer(braidify(handler));
  return { port: await listen(server) };
};
