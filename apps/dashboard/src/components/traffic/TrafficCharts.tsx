import { useBraidSelector } from '@braid-live/react';
import { useMemo } from 'react';
import { useThreshold } from '../../hooks/useThreshold';
import { type Traffic, urls } from '../../model/resources';
import { ringToArray } from '../../model/ring';
import { LineChart } from '../LineChart';

const selectSeries = (t: Traffic) => t.series;

/** Requests/s, and the error rate against its alert threshold, over the recent window. */
export function TrafficCharts() {
  const ring = useBraidSelector(urls.traffic, selectSeries);
  const threshold = useThreshold('errorRate');
  const { rps, errorRate } = useMemo(() => {
    const points = ring ? ringToArray(ring) : [];
    return {
      rps: [{ values: points.map(([r]) => r), color: 'var(--accent)', area: true }],
      errorRate: [
        { values: points.map(([r, e]) => (r > 0 ? (100 * e) / r : 0)), color: 'var(--down)', area: true },
      ],
    };
  }, [ring]);
  return (
    <div className="traffic-charts">
      <div className="chart-caption">
        <span>Requests / s</span>
        <span>last {rps[0].values.length} samples</span>
      </div>
      <LineChart series={rps} height={128} label="Requests per second, recent" />
      <div className="chart-caption">
        <span>Error rate %</span>
        <span className="legend-threshold">alert threshold</span>
      </div>
      <LineChart series={errorRate} height={64} min={0} threshold={threshold} label="Error rate, recent" />
    </div>
  );
}
