/**
 * A log-linear latency histogram (values in microseconds, like HdrHistogram): each power of two is split into 64
 * buckets, so a reported percentile is within ~1.6% of the true value. Fixed memory whatever the count, and
 * mergeable: subscriber processes send their `counts` over IPC and the orchestrator adds them up.
 */
const HALF = 64;
/** Values up to 2^40 µs (~12 days): more than any benchmark waits. */
const MAX_SHIFT = 34;
const BUCKETS = (MAX_SHIFT + 2) * HALF;

function bucketOf(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < 2 * HALF) return v;
  const shift = Math.min(MAX_SHIFT, Math.floor(Math.log2(v)) - Math.log2(HALF));
  const top = Math.min(2 * HALF - 1, Math.floor(v / 2 ** shift));
  return shift * HALF + top;
}

/** The largest value a bucket holds (percentiles are reported as their bucket's upper edge). */
function bucketTop(bucket: number): number {
  if (bucket < 2 * HALF) return bucket;
  const shift = Math.floor(bucket / HALF) - 1;
  const top = bucket - shift * HALF;
  return (top + 1) * 2 ** shift - 1;
}

export interface HistogramData {
  /** Sparse: [bucket, count] pairs of the non-empty buckets. */
  buckets: [number, number][];
  count: number;
  max: number;
  sum: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  sum = 0;

  record(value: number): void {
    this.counts[bucketOf(value)]++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** The value at or under which `p` percent of the recorded values fall (p in 0..100). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(bucketTop(b), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : Number.NaN;
  }

  merge(other: HistogramData): void {
    for (const [bucket, count] of other.buckets) this.counts[bucket] += count;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b]) buckets.push([b, this.counts[b]]);
    return { buckets, count: this.count, max: this.max, sum: this.sum };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}
