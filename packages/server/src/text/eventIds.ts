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

/**
 * Highest counter seen per agent, for "this version was applied already" (a retried PUT). Bounded: past `max`
 * agents the least recently written ones are forgotten (their retries then look new; the history window is
 * smaller than this bound, so such a retry names Parents the server no longer has and is refused, not doubled).
 */
export class AgentCounters {
  private readonly last = new Map<string, number>();

  constructor(private readonly max: number) {}

  get(agent: string): number | undefined {
    return this.last.get(agent);
  }

  record(run: EventRun): void {
    this.last.delete(run.agent);
    this.last.set(run.agent, run.last);
    if (this.last.size > this.max) this.last.delete(this.last.keys().next().value as string);
  }
}
