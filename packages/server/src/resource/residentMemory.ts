/**
 * The estimated bytes held by the loaded resources of one server, against `maxResidentBytes`. Each resource
 * reports changes of its own estimate (after loading, after each write); `whenOver` runs when a change
 * takes the total past the limit (the registry then drops idle resources).
 */
export class ResidentMemory {
  private total = 0;

  constructor(
    readonly limit: number,
    private readonly whenOver: () => void,
  ) {}

  get used(): number {
    return this.total;
  }

  get isOver(): boolean {
    return this.total > this.limit;
  }

  adjust(delta: number): void {
    this.total += delta;
    if (delta > 0 && this.total > this.limit) this.whenOver();
  }
}
