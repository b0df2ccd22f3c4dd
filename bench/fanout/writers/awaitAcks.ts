/**
 * One write in flight: `subscribe` registers the connection's acknowledgement listener; each send resolves when
 * the next acknowledgement arrives.
 */
export function awaitAcks(subscribe: (onAck: () => void) => void): (send: () => void) => Promise<void> {
  let waiting: (() => void) | undefined;
  subscribe(() => {
    const done = waiting;
    waiting = undefined;
    done?.();
  });
  return (send) =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      send();
    });
}
