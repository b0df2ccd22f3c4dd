/**
 * Simpleton version ids (`agent-seq`): everything before the last `-` is the agent, the digits after it the
 * counter of that agent's events (one event per code point inserted or deleted). A version covering k events
 * names its last one: `A-n` covers `A-(n-k+1)` … `A-n`.
 */
export interface EventId {
  agent: string;
  seq: number;
}

const EVENT_ID = /^(.+)-(\d{1,15})$/s;

/** The agent and counter of an id, or undefined when it has no `-<digits>` tail. */
export function parseEventId(id: string): EventId | undefined {
  const m = EVENT_ID.exec(id);
  if (!m) return undefined;
  return { agent: m[1], seq: Number(m[2]) };
}

/** The events (agent, first..last) a version covers. */
export interface EventRun {
  agent: string;
  first: number;
  last: number;
}

/** Runs remembered per agent, exactly (older ones are judged by the agent's highest counter). */
const RUNS_PER_AGENT = 64;

/**
 * What each agent's versions covered, for "this version was applied already" (a retried PUT) and "these events
 * were sent already". Simpleton clients may have several PUTs in flight, so one can arrive after a later one
 * (a 503 retried after a backoff, another connection): a write is a duplicate only if its exact run was applied,
 * not because the agent's counter is past it. The last RUNS_PER_AGENT runs of an agent are kept exactly; before
 * those, the highest counter decides (such a retry names Parents the history no longer has). Bounded: past `max`
 * agents the least recently written ones are forgotten.
 */
export class AgentCounters {
  private readonly last = new Map<string, number>();
  private readonly runs = new Map<string, EventRun[]>();

  constructor(private readonly max: number) {}

  /** The agent's highest counter. */
  get(agent: string): number | undefined {
    return this.last.get(agent);
  }

  /** Whether the version `agent-seq` was applied (a retry of it is a duplicate). */
  applied(agent: string, seq: number): boolean {
    const runs = this.runs.get(agent);
    if (runs?.some((r) => r.last === seq)) return true;
    return this.beforeKnownRuns(agent, seq);
  }

  /** Whether `run` covers events of runs already applied. */
  overlaps(run: EventRun): boolean {
    const runs = this.runs.get(run.agent);
    if (runs?.some((r) => r.first <= run.last && run.first <= r.last)) return true;
    return this.beforeKnownRuns(run.agent, run.first);
  }

  record(run: EventRun): void {
    const highest = Math.max(this.last.get(run.agent) ?? -1, run.last);
    this.last.delete(run.agent);
    this.last.set(run.agent, highest);
    const runs = this.runs.get(run.agent) ?? [];
    runs.push(run);
    if (runs.length > RUNS_PER_AGENT) runs.shift();
    this.runs.delete(run.agent);
    this.runs.set(run.agent, runs);
    if (this.last.size > this.max) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
      this.runs.delete(oldest);
    }
  }

  /** Below every run kept exactly, while some were forgotten: judged by the counter (applied, as before). */
  private beforeKnownRuns(agent: string, seq: number): boolean {
    const runs = this.runs.get(agent);
    if (!runs || runs.length < RUNS_PER_AGENT) return false;
    return seq < Math.min(...runs.map((r) => r.first));
  }
}
