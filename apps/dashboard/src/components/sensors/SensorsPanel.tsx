import { SENSOR_IDS } from '../../model/resources';
import { Panel } from '../Panel';
import { SensorCard } from './SensorCard';

export function SensorsPanel() {
  return (
    <Panel
      id="sensors"
      title="Sensors"
      subtitle={
        <>
          IoT readings · <code>/api/sensors/:id</code> · dashed line = alert threshold
        </>
      }
      className="area-sensors"
    >
      <div className="sensor-grid">
        {SENSOR_IDS.map((id) => (
          <SensorCard key={id} id={id} />
        ))}
      </div>
    </Panel>
  );
}
