import { urls } from '../../model/resources';
import { Panel } from '../Panel';
import { UpdatePulse } from '../UpdatePulse';
import { TrafficCharts } from './TrafficCharts';
import { TrafficStats } from './TrafficStats';

export function TrafficPanel() {
  return (
    <Panel
      id="traffic"
      title="Web traffic"
      subtitle={
        <>
          checkout-api · <code>/api/traffic</code>
        </>
      }
      aside={<UpdatePulse url={urls.traffic} />}
      className="area-traffic"
    >
      <TrafficStats />
      <TrafficCharts />
    </Panel>
  );
}
