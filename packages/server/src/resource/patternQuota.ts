import { ResourceError } from './resourceError';

/**
 * How many resources one path pattern has created, against its limit. A path counts once it has stored
 * state: when it loads with some (seen since this process started), or when its first write is accepted.
 * The first write of a new path reserves its place before it is stored, so concurrent first writes cannot
 * overshoot; the reservation is given back if the write fails.
 */
export class PatternQuota {
  private readonly paths = new Set<string>();

  constructor(
    readonly pattern: string,
    readonly limit: number,
  ) {}

  get count(): number {
    return this.paths.size;
  }

  /** A path found with stored state (it exists already: never refused). */
  noteStored(path: string): void {
    this.paths.add(path);
  }

  /** Reserves a place for a new path; throws 'pattern-full' (403) when the pattern is full. Returns the undo. */
  reserve(path: string): () => void {
    if (this.paths.has(path)) return () => {};
    if (this.paths.size >= this.limit) {
      throw new ResourceError(
        'pattern-full',
        `${this.pattern} may create at most ${this.limit} resources, and has: writes to existing ones still work`,
      );
    }
    this.paths.add(path);
    return () => this.paths.delete(path);
  }
}
