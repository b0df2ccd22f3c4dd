import type { JsonPatch } from '../protocol/index';

/**
 * What the tabs of one browser profile say to each other (BroadcastChannel, structured clone). Two kinds of
 * channel per app (`persist.name`):
 * - the control channel `braid-live-tabs:<name>`, heard by every tab: who is here, who leads, unsaved edits;
 * - one inbox per tab `braid-live-tabs:<name>:<tab>`: requests to the leader, their answers to the follower
 *   that asked (so a tab's update stream costs the other tabs nothing).
 */
export type ControlMessage =
  /** A tab opened (or became a follower): everyone answers with `tab` and its `edits`. */
  | { t: 'hello'; from: string }
  /** A tab is here: whether it leads, and how many `set` calls it has unconfirmed. */
  | { t: 'tab'; from: string; leader: boolean; unsaved: number }
  /** A tab's unconfirmed edits of one resource (none: `patches` empty), relative to the version `base`. */
  | { t: 'edits'; from: string; url: string; base: string[]; patches: JsonPatch[] }
  /** A tab is going away (pagehide, client.close()). */
  | { t: 'bye'; from: string };

/** A request a follower has the leader make: a subscription or a plain fetch (PUT, GET). */
export interface RelayRequest {
  t: 'req';
  from: string;
  id: number;
  url: string;
  subscribe: boolean;
  method?: string;
  headers: [string, string][];
  body?: Uint8Array;
}

export type ToLeader = RelayRequest | { t: 'abort'; from: string; id: number };

/** The answer to a relayed request, in pieces: its head, its body's bytes, its end (or failure). */
export type ToFollower =
  | { t: 'head'; id: number; status: number; statusText: string; headers: [string, string][] }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'end'; id: number }
  | { t: 'fail'; id: number; message: string };

export const controlChannel = (name: string) => `braid-live-tabs:${name}`;
export const inboxChannel = (name: string, tab: string) => `braid-live-tabs:${name}:${tab}`;

/**
 * A failure as one line, for the message that relays it. (client/wire's `describe` is not imported: it would move
 * out of the page's initial chunk into one it shares with this one, which costs the initial bundle bytes.)
 */
export function reason(error: unknown): string {
  return (error as Error)?.message || String(error);
}
