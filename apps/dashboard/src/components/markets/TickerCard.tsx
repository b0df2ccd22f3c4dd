import { useBraidSelector } from '@braid-live/react';
import { useMemo } from 'react';
import { useSeries } from '../../hooks/useSeries';
import { useThreshold } from '../../hooks/useThreshold';
import { formatNumber, formatSigned } from '../../lib/format';
import { movedTooFar, priceChangePercent } from '../../model/alerts';
import { type Ticker, urls } from '../../model/resources';
import { LineChart } from '../LineChart';
import { UpdatePulse } from '../UpdatePulse';

const selectName = (t: Ticker) => t.name;
const selectPrice = (t: Ticker) => t.price;
const selectChange = (t: Ticker) => priceChangePercent(t);

/** One ticker: its own resource, its own subscription. Each part below selects only the slice it shows. */
export function TickerCard({ symbol }: { symbol: string }) {
  const url = urls.ticker(symbol);
  const name = useBraidSelector(url, selectName);
  const change = useBraidSelector(url, selectChange);
  const moveThreshold = useThreshold('priceMove');
  const alert = change !== undefined && moveThreshold !== undefined && movedTooFar(change, moveThreshold);
  const direction = change === undefined || change === 0 ? 'flat' : change > 0 ? 'up' : 'down';
  return (
    <article
      className={`ticker ticker-${direction} ${alert ? 'is-alert' : ''}`}
      data-testid={`ticker-${symbol}`}
    >
      <header className="ticker-head">
        <div>
          <h3 className="ticker-symbol">{symbol}</h3>
          <p className="ticker-name">{name ?? '\u00a0'}</p>
        </div>
        <UpdatePulse url={url} />
      </header>
      <TickerPrice url={url} />
      <p className="ticker-change">
        {change === undefined
          ? '—'
          : `${direction === 'up' ? '▲' : direction === 'down' ? '▼' : '•'} ${formatSigned(change)}%`}
        {alert && <span className="alert-tag">moved</span>}
      </p>
      <TickerChart url={url} direction={direction} />
    </article>
  );
}

function TickerPrice({ url }: { url: string }) {
  const price = useBraidSelector(url, selectPrice);
  return <p className="ticker-price">{price === undefined ? '—' : formatNumber(price, 2)}</p>;
}

function TickerChart({ url, direction }: { url: string; direction: string }) {
  const values = useSeries(url);
  const color = direction === 'down' ? 'var(--down)' : 'var(--up)';
  const series = useMemo(() => (values ? [{ values, color, area: true }] : []), [values, color]);
  return <LineChart series={series} height={46} label={`${url} recent prices`} />;
}
