import { useBraidSelector } from '@braid-live/react';
import { useMemo } from 'react';
import { useSeries } from '../../hooks/useSeries';
import { useThreshold } from '../../hooks/useThreshold';
import { formatNumber } from '../../lib/format';
import { isOver } from '../../model/alerts';
import { type Sensor, urls } from '../../model/resources';
import { LineChart } from '../LineChart';
import { UpdatePulse } from '../UpdatePulse';

// The fields that never change in practice, selected as one object: same strings → shallow-equal → no re-render.
const selectInfo = (s: Sensor) => ({ label: s.label, location: s.location, kind: s.kind, unit: s.unit });
const sameInfo = (a?: ReturnType<typeof selectInfo>, b?: ReturnType<typeof selectInfo>) =>
  a === b ||
  (!!a && !!b && a.label === b.label && a.location === b.location && a.kind === b.kind && a.unit === b.unit);
const selectValue = (s: Sensor) => s.value;
const selectBattery = (s: Sensor) => s.battery;

const DIGITS: Record<Sensor['kind'], number> = { temperature: 1, humidity: 0, pressure: 2 };
const COLORS: Record<Sensor['kind'], string> = {
  temperature: 'var(--amber)',
  humidity: 'var(--blue)',
  pressure: 'var(--violet)',
};

export function SensorCard({ id }: { id: string }) {
  const url = urls.sensor(id);
  const info = useBraidSelector(url, selectInfo, sameInfo);
  const value = useBraidSelector(url, selectValue);
  const threshold = useThreshold(info?.kind ?? 'temperature');
  const alert = value !== undefined && threshold !== undefined && isOver(value, threshold);
  const digits = info ? DIGITS[info.kind] : 1;
  return (
    <article className={`sensor ${alert ? 'is-alert' : ''}`} data-testid={`sensor-${id}`}>
      <header className="sensor-head">
        <div>
          <h3 className="sensor-location">{info?.location ?? id}</h3>
          <p className="sensor-label">{info?.label ?? '\u00a0'}</p>
        </div>
        <UpdatePulse url={url} />
      </header>
      <div className="sensor-reading">
        <span className="sensor-value">{value === undefined ? '—' : formatNumber(value, digits)}</span>
        <span className="sensor-unit">{info?.unit}</span>
        {alert && threshold !== undefined && (
          <span className="alert-tag">
            over {formatNumber(threshold, digits)} {info?.unit}
          </span>
        )}
      </div>
      <SensorChart url={url} color={info ? COLORS[info.kind] : 'var(--muted)'} threshold={threshold} />
      <Battery url={url} />
    </article>
  );
}

function SensorChart({ url, color, threshold }: { url: string; color: string; threshold?: number }) {
  const values = useSeries(url);
  const series = useMemo(() => (values ? [{ values, color, area: true }] : []), [values, color]);
  return <LineChart series={series} height={56} threshold={threshold} label={`${url} recent readings`} />;
}

function Battery({ url }: { url: string }) {
  const battery = useBraidSelector(url, selectBattery);
  if (battery === undefined) return null;
  return (
    <p className={`battery ${battery < 20 ? 'is-low' : ''}`} title={`Battery ${battery}%`}>
      <span className="battery-bar" aria-hidden>
        <span style={{ width: `${battery}%` }} />
      </span>
      {battery}%
    </p>
  );
}
