import type { BraidServer } from '@braid-live/server';
import { SENSOR_IDS, SERIES_LENGTH, type Sensor, type SensorKind, urls } from '../../src/model/resources';
import { ringFrom, ringPush } from '../../src/model/ring';
import { feedAccess } from './feedAccess';
import { clamp, gaussian, round, seededRandom } from './random';
import { runFeed } from './runFeed';

interface SensorProfile {
  label: string;
  location: string;
  kind: SensorKind;
  unit: string;
  /** Typical reading, how far an excursion goes (e.g. a door left open), and noise per reading. */
  base: number;
  excursion: number;
  noise: number;
  digits: number;
}

const PROFILES: Record<string, SensorProfile> = {
  'server-room': {
    label: 'Rack inlet',
    location: 'Server room',
    kind: 'temperature',
    unit: '°C',
    base: 24,
    excursion: 4.5,
    noise: 0.12,
    digits: 1,
  },
  greenhouse: {
    label: 'Air humidity',
    location: 'Greenhouse',
    kind: 'humidity',
    unit: '%',
    base: 64,
    excursion: 14,
    noise: 0.4,
    digits: 1,
  },
  boiler: {
    label: 'Line pressure',
    location: 'Boiler house',
    kind: 'pressure',
    unit: 'bar',
    base: 1.85,
    excursion: 0.5,
    noise: 0.015,
    digits: 2,
  },
  lab: {
    label: 'Bench temperature',
    location: 'Lab 2',
    kind: 'temperature',
    unit: '°C',
    base: 21,
    excursion: 3,
    noise: 0.1,
    digits: 1,
  },
};

/**
 * Readings drift towards a target with noise (an Ornstein-Uhlenbeck walk), and now and then the target moves
 * away for a while (an excursion), which is what crosses the alert thresholds. Each step starts from the stored
 * value, so a restart continues the line where it was.
 */
class SensorModel {
  private target: number;
  private excursionTicks = 0;

  constructor(
    private readonly profile: SensorProfile,
    private readonly random: () => number = Math.random,
  ) {
    this.target = profile.base;
  }

  next(value: number): number {
    const { base, excursion, noise, digits } = this.profile;
    if (this.excursionTicks === 0 && this.random() < 0.012) {
      this.excursionTicks = 20 + Math.floor(this.random() * 40);
      this.target = base + excursion * (0.6 + 0.4 * this.random()) * (this.random() < 0.8 ? 1 : -1);
    } else if (this.excursionTicks > 0 && --this.excursionTicks === 0) {
      this.target = base;
    }
    return round(value + 0.08 * (this.target - value) + noise * gaussian(this.random), digits);
  }
}

function initialSensor(id: string): Sensor {
  // Unknown ids are refused by feedAccess; the fallback covers the server loading the pattern path itself.
  const profile = PROFILES[id] ?? PROFILES.lab;
  const model = new SensorModel(profile, seededRandom(`sensor:${id}`));
  const values: number[] = [];
  let value = profile.base;
  for (let i = 0; i < SERIES_LENGTH; i++) values.push((value = model.next(value)));
  const { label, location, kind, unit } = profile;
  return { id, label, location, kind, unit, value, series: ringFrom(values), battery: 100, updatedAt: 0 };
}

/** `/api/sensors/:id`: one resource per sensor, a reading a couple of times a second. */
export function startSensorFeeds(braid: BraidServer, onError: (error: unknown) => void): () => void {
  braid.resource<Sensor>('/api/sensors/:id', {
    initial: ({ id }) => initialSensor(id),
    authorize: feedAccess((params) => Object.hasOwn(PROFILES, params.id)),
  });
  const stops = SENSOR_IDS.map((id) => {
    const model = new SensorModel(PROFILES[id]);
    return runFeed({
      everyMs: 600,
      onError,
      tick: () =>
        braid.patch<Sensor>(urls.sensor(id), (d) => {
          d.value = model.next(d.value);
          ringPush(d.series, d.value);
          // Batteries drain slowly and get swapped when empty: a field that changes only now and then.
          if (Math.random() < 0.02) d.battery = d.battery <= 5 ? 100 : clamp(d.battery - 1, 0, 100);
          d.updatedAt = Date.now();
        }),
    });
  });
  return () => {
    for (const stop of stops) stop();
  };
}
