// Hono on Node (@hono/node-server): braid.fetch is a web-standard handler, so a route just hands it the Request.

import { createBraidServer } from '@braid-live/server';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announce, defineDoc, port } from '../shared/doc.ts';

const braid = defineDoc(createBraidServer());
const app = new Hono();
app.get('/api/health', (c) => c.json({ ok: true }));
app.all('/api/*', (c) => braid.fetch(c.req.raw));
app.all('/.well-known/multiplexer/*', (c) => braid.fetch(c.req.raw));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => announce(info.port));
