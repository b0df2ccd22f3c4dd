/** A set of listeners (TanStack-style base piece): subscribe returns its own unsubscribe. */
export class Subscribable<Listener extends (...args: never[]) => void = () => void> {
  protected listeners = new Set<Listener>();

  /** Bound, so it can be passed around (e.g. to useSyncExternalStore) as it is. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    this.onSubscribe();
    return () => {
      if (!this.listeners.delete(listener)) return;
      this.onUnsubscribe();
    };
  };

  hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  protected emit(...args: Parameters<Listener>): void {
    for (const listener of [...this.listeners]) listener(...args);
  }

  protected onSubscribe(): void {}
  protected onUnsubscribe(): void {}
}
