import type { ConnectionEvent, ConnectionPhase } from './machine/connectionMachine';
import type { WriteEvent, WritePhase } from './machine/writeMachine';

/**
 * What a client reports to `onEvent` (and logs with `debug: true`): every transition of a resource's connection
 * and writes, every request it makes, and its answer. For diagnosis; the status is what a UI shows.
 */
export type BraidClientEvent =
  | {
      type: 'connection';
      url: string;
      from: ConnectionPhase;
      to: ConnectionPhase;
      /** The event that caused the transition. */
      cause: ConnectionEvent['type'];
    }
  | {
      type: 'write';
      url: string;
      /** The write's Version id (after the transition: a rename gives a new one). */
      version: string;
      from: WritePhase;
      to: WritePhase;
      cause: WriteEvent['type'];
    }
  | {
      type: 'request';
      url: string;
      method: 'GET' | 'PUT';
      /** A subscription (GET with Subscribe). */
      subscribe: boolean;
      /** The Version of a PUT. */
      version?: string;
    }
  | {
      type: 'response';
      url: string;
      method: 'GET' | 'PUT';
      subscribe: boolean;
      status: number;
      version?: string;
    }
  | {
      type: 'request-failed';
      url: string;
      method: 'GET' | 'PUT';
      subscribe: boolean;
      version?: string;
      /** Why no answer came (a network error, a timeout). */
      message: string;
    };
