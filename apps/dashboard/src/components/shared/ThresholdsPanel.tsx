import { useBraid } from '@braid-live/react';
import { formatNumber } from '../../lib/format';
import { THRESHOLD_RANGES, type Thresholds, thresholdsResource, urls } from '../../model/resources';
import { Panel } from '../Panel';
import { ResourceBadge } from '../ResourceBadge';

const LABELS: Record<keyof Thresholds, string> = {
  temperature: 'Temperature',
  humidity: 'Humidity',
  pressure: 'Pressure',
  errorRate: 'Error rate',
  priceMove: 'Price move',
};

const KEYS = Object.keys(THRESHOLD_RANGES) as (keyof Thresholds)[];

/** Shared alert thresholds: a slider moved here moves in every open window, and re-colors every card. */
export function ThresholdsPanel() {
  const [thresholds, setThresholds] = useBraid(thresholdsResource);
  return (
    <Panel
      id="thresholds"
      title="Alert thresholds"
      subtitle="Shared · drag a slider, watch the other window"
      aside={<ResourceBadge url={urls.thresholds} />}
      className="area-thresholds"
    >
      <div className="thresholds">
        {KEYS.map((key) => {
          const range = THRESHOLD_RANGES[key];
          const value = thresholds?.[key];
          const digits = decimals(range.step);
          return (
            <label key={key} className="threshold" data-testid={`threshold-${key}`}>
              <span className="threshold-label">{LABELS[key]}</span>
              <output className="threshold-value">
                {value === undefined ? '—' : formatNumber(value, digits)}
                <small>{range.unit}</small>
              </output>
              <input
                type="range"
                min={range.min}
                max={range.max}
                step={range.step}
                value={value ?? range.min}
                disabled={value === undefined}
                aria-label={`${LABELS[key]} threshold`}
                style={
                  {
                    '--fill': `${(100 * ((value ?? range.min) - range.min)) / (range.max - range.min)}%`,
                  } as never
                }
                onChange={(event) => {
                  // Rounded to the step: float noise would otherwise make values like 2.3000000000000003.
                  const next = Number(Number(event.currentTarget.value).toFixed(digits));
                  setThresholds((draft) => {
                    draft[key] = next;
                  });
                }}
              />
            </label>
          );
        })}
      </div>
    </Panel>
  );
}

const decimals = (step: number) => (String(step).split('.')[1] ?? '').length;
