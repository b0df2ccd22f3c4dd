import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BraidServer } from '../types';

/** The part of a Fastify instance the plugin uses (typed structurally: no dependency on fastify). */
export interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (
      request: { raw: IncomingMessage },
      reply: { raw: ServerResponse; hijack(): unknown },
      done: () => void,
    ) => void,
  ): unknown;
}

export interface BraidPluginOptions {
  braid: BraidServer;
}

/**
 * `fastify.register(braidPlugin, { braid })`: braid-live answers its own paths (resources and the
 * multiplexer) from an onRequest hook, before Fastify parses the body (a parsed body cannot be trusted, and a
 * plain route would get 415 for Braid's body forms), and hands every other request back to Fastify.
 */
export function braidPlugin(fastify: FastifyLike, options: BraidPluginOptions, done: () => void): void {
  const { braid } = options ?? {};
  if (!braid || typeof braid.middleware !== 'function') {
    throw new TypeError('braidPlugin: pass the server, fastify.register(braidPlugin, { braid })');
  }
  fastify.addHook('onRequest', (request, reply, next) => {
    // The middleware decides synchronously whether a path is ours (it calls next() at once when not); when
    // it is, the response is ours too, so Fastify must not send one (hijack) nor go on with the request.
    let notOurs = false;
    braid.middleware(request.raw, reply.raw, () => {
      notOurs = true;
    });
    if (notOurs) next();
    else reply.hijack();
  });
  done();
}

// Like fastify-plugin: the hook applies to the whole instance it is registered on, not to a child scope.
Object.assign(braidPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'braid-live',
});
