import { useBraidSelector } from '@braid-live/react';
import { useThreshold } from '../../hooks/useThreshold';
import { formatNumber } from '../../lib/format';
import { errorRatePercent, isOver } from '../../model/alerts';
import { type Traffic, urls } from '../../model/resources';

const url = urls.traffic;
const selectRps = (t: Traffic) => t.rps;
const selectErrors = (t: Traffic) => t.errors;
const selectP95 = (t: Traffic) => t.p95;
const selectErrorRate = (t: Traffic) => Math.round(errorRatePercent(t) * 100) / 100;

/** The current numbers: each one selects its own field, so it re-renders only when that number changes. */
export function TrafficStats() {
  return (
    <div className="stat-row">
      <Stat label="Requests / s" select={selectRps} digits={0} />
      <Stat label="Errors / s" select={selectErrors} digits={0} tone="down" />
      <ErrorRateStat />
      <Stat label="p95 latency" select={selectP95} digits={0} unit="ms" />
    </div>
  );
}

function Stat({
  label,
  select,
  digits,
  unit,
  tone,
}: {
  label: string;
  select: (t: Traffic) => number;
  digits: number;
  unit?: string;
  tone?: 'down';
}) {
  const value = useBraidSelector(url, select);
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        {value === undefined ? '—' : formatNumber(value, digits)}
        {unit && <small>{unit}</small>}
      </span>
    </div>
  );
}

function ErrorRateStat() {
  const rate = useBraidSelector(url, selectErrorRate);
  const threshold = useThreshold('errorRate');
  const alert = rate !== undefined && threshold !== undefined && isOver(rate, threshold);
  return (
    <div className={`stat ${alert ? 'is-alert' : ''}`}>
      <span className="stat-label">Error rate</span>
      <span className="stat-value">
        {rate === undefined ? '—' : formatNumber(rate, 2)}
        <small>%</small>
        {alert && <span className="alert-tag">over {threshold}%</span>}
      </span>
    </div>
  );
}
