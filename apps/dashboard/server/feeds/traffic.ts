import type { BraidServer } from '@braid-live/server';
import { SERIES_LENGTH, type Traffic, urls } from '../../src/model/resources';
import { ringFrom, ringPush } from '../../src/model/ring';
import { feedAccess } from './feedAccess';
import { clamp, gaussian, seededRandom } from './random';
import { runFeed } from './runFeed';

const BASE_RPS = 1200;

/**
 * Simulated load: a baseline that wanders (continuing from the stored value, so a restart does not jump), noise,
 * and now and then a burst of traffic or an error storm lasting a few seconds.
 */
class TrafficModel {
  private load?: number;
  private burstTicks = 0;
  private stormTicks = 0;

  constructor(private readonly random: () => number = Math.random) {}

  next(previousRps: number): { rps: number; errors: number; p95: number } {
    const random = this.random;
    if (this.burstTicks === 0 && random() < 0.01) this.burstTicks = 15 + Math.floor(random() * 20);
    if (this.stormTicks === 0 && random() < 0.006) this.stormTicks = 10 + Math.floor(random() * 25);
    const burst = this.burstTicks > 0 ? 1.6 : 1;
    const errorShare = this.stormTicks > 0 ? 0.04 + 0.03 * random() : 0.004 + 0.004 * random();
    this.burstTicks = Math.max(0, this.burstTicks - 1);
    this.stormTicks = Math.max(0, this.stormTicks - 1);
    this.load ??= previousRps;
    this.load = clamp(this.load + 0.03 * (BASE_RPS - this.load) + 25 * gaussian(random), 200, 5000);
    const rps = Math.round(clamp(this.load * burst + 35 * gaussian(random), 50, 10_000));
    const errors = Math.round(rps * errorShare);
    const p95 = Math.round(
      clamp(70 + rps / 40 + 6 * gaussian(random) + (this.stormTicks > 0 ? 90 : 0), 20, 2000),
    );
    return { rps, errors, p95 };
  }
}

function initialTraffic(): Traffic {
  const model = new TrafficModel(seededRandom('traffic'));
  const points = Array.from({ length: SERIES_LENGTH }, () => model.next(BASE_RPS));
  const last = points[points.length - 1];
  return {
    rps: last.rps,
    errors: last.errors,
    p95: last.p95,
    series: ringFrom(points.map((p): [number, number] => [p.rps, p.errors])),
    updatedAt: 0,
  };
}

/** `/api/traffic`: requests/s, errors/s and latency of a pretend web service, several times a second. */
export function startTrafficFeed(braid: BraidServer, onError: (error: unknown) => void): () => void {
  braid.resource<Traffic>(urls.traffic, { initial: initialTraffic(), authorize: feedAccess(() => true) });
  const model = new TrafficModel();
  return runFeed({
    everyMs: 350,
    onError,
    tick: () =>
      braid.patch<Traffic>(urls.traffic, (d) => {
        const { rps, errors, p95 } = model.next(d.rps);
        d.rps = rps;
        d.errors = errors;
        d.p95 = p95;
        ringPush(d.series, [rps, errors]);
        d.updatedAt = Date.now();
      }),
  });
}
