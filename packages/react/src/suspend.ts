import * as React from 'react';

// `use` exists from React 19 on; read it off the namespace so that importing this file on React 18.3 works.
const reactUse = (React as { use?: <V>(promise: Promise<V>) => V }).use;

/** Suspends the component until `promise` settles: React 19's `use`, or on React 18 the thrown promise. */
export function suspendUntil(promise: Promise<unknown>): void {
  if (reactUse) reactUse(promise);
  else throw promise;
}
