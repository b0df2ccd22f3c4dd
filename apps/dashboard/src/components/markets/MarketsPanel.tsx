import { TICKER_SYMBOLS } from '../../model/resources';
import { Panel } from '../Panel';
import { TickerCard } from './TickerCard';

export function MarketsPanel() {
  return (
    <Panel
      id="markets"
      title="Markets"
      subtitle={
        <>
          One resource per ticker · <code>/api/stocks/:symbol</code>
        </>
      }
      className="area-markets"
    >
      <div className="ticker-grid">
        {TICKER_SYMBOLS.map((symbol) => (
          <TickerCard key={symbol} symbol={symbol} />
        ))}
      </div>
    </Panel>
  );
}
