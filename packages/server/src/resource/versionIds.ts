import { randomBytes } from 'node:crypto';

/**
 * Server-made version ids: `<random prefix>-<counter>`. The random prefix (new per server instance) keeps ids
 * unique across restarts and processes, which matters because a known id makes a write a duplicate.
 */
export function createVersionIdFactory(): () => string {
  const prefix = `s${randomBytes(6).toString('base64url')}`;
  let counter = 0;
  return () => `${prefix}-${++counter}`;
}
