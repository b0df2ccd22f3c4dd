// Who this browser tab is: a display name (kept for the tab's life, so a reload keeps it) and a peer id that is
// new for every page load. The peer id must be unique per client: version ids are `<peer>-<n>` with n counting
// from 1, and a version id the server already has makes a write a duplicate that is silently ignored.

const NAMES = [
  'Otter',
  'Heron',
  'Lynx',
  'Marten',
  'Falcon',
  'Badger',
  'Wren',
  'Ibex',
  'Puffin',
  'Gecko',
  'Orca',
  'Kestrel',
  'Bison',
  'Koala',
  'Tapir',
  'Raven',
  'Manta',
  'Quokka',
  'Stoat',
  'Egret',
];

const randomId = (length: number) =>
  Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (b) => 'abcdefghijkmnpqrstuvwxyz23456789'[b % 32],
  ).join('');

function tabName(): string {
  const stored = safeSessionGet('braid-live:name');
  if (stored && NAMES.includes(stored)) return stored;
  const name = NAMES[crypto.getRandomValues(new Uint8Array(1))[0] % NAMES.length];
  safeSessionSet('braid-live:name', name);
  return name;
}

function safeSessionGet(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}
function safeSessionSet(key: string, value: string): void {
  try {
    sessionStorage.setItem(key, value);
  } catch {
    // Private mode without storage: a new name per load is fine.
  }
}

export interface Identity {
  name: string;
  peer: string;
}

export function createIdentity(): Identity {
  const name = tabName();
  return { name, peer: `${name.toLowerCase()}-${randomId(6)}` };
}

/** The display name behind a peer id (`otter-k3j9x2` → Otter; the server's own writes → Live feed). */
export function nameOfPeer(peer: string | undefined): string {
  if (!peer) return 'Unknown';
  if (peer === 'server') return 'Server';
  const head = peer.split('-')[0];
  return head ? head[0].toUpperCase() + head.slice(1) : peer;
}

/** A stable hue per name, for avatars. */
export function hueOf(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return hash % 360;
}
