/**
 * A bounded set of version ids, oldest evicted first. It answers "have we accepted this Version already?"
 * for longer than the in-memory history reaches, so retried writes stay duplicates (200, no change) even
 * after their version left the history window.
 */
export class KnownVersions {
  // A Set iterates in insertion order, which makes it a FIFO for free.
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }
}
