import { fmtMicros, fmtRate, fmtRatio } from '../lib/format';
import type { Target } from '../lib/targets';
import type { Summary } from './summary';

/**
 * The fan-out targets, judged at 1000 subscribers with the saturating writer: braid-live's deliveries/s at
 * least the ws baseline's, its p99 at most ws's, and at least 10x braid-http's deliveries/s. A run that lost
 * deliveries meets nothing.
 */
export function judge(summaries: Summary[], missing: string | undefined): Target[] {
  const at1000 = summaries.filter((s) => s.subscribers === 1000 && s.mode === 'saturating');
  const find = (id: string) => at1000.find((s) => s.system === id);
  const live = find('braid-live');
  const ws = find('ws');
  const braidHttp = find('braid-http');
  const targets: Target[] = [];
  const unmeasured = (name: string, why: string) => targets.push({ name, measured: why, met: false });
  const name1 = 'fan-out deliveries/s at 1000 subscribers ≥ ws';
  const name2 = 'fan-out p99 at 1000 subscribers ≤ ws';
  const name3 = 'fan-out deliveries/s at 1000 subscribers ≥ 10× braid-http';
  if (!live) {
    const why = missing ?? 'braid-live not measured at 1000 subscribers';
    for (const n of [name1, name2, name3]) unmeasured(n, why);
    return targets;
  }
  if (ws) {
    targets.push({
      name: name1,
      measured: `${fmtRate(live.deliveriesPerSec)} vs ws ${fmtRate(ws.deliveriesPerSec)}`,
      met: live.deliveriesPerSec >= ws.deliveriesPerSec && live.lost === 0,
    });
    targets.push({
      name: name2,
      measured: `${fmtMicros(live.p99Micros)} vs ws ${fmtMicros(ws.p99Micros)}`,
      met: live.p99Micros <= ws.p99Micros && live.lost === 0,
    });
  } else {
    unmeasured(name1, 'ws not measured');
    unmeasured(name2, 'ws not measured');
  }
  if (braidHttp) {
    const ratio = live.deliveriesPerSec / braidHttp.deliveriesPerSec;
    targets.push({
      name: name3,
      measured: `${fmtRate(live.deliveriesPerSec)} vs ${fmtRate(braidHttp.deliveriesPerSec)} = ${fmtRatio(ratio)}`,
      met: ratio >= 10 && live.lost === 0,
    });
  } else unmeasured(name3, 'braid-http not measured');
  return targets;
}
