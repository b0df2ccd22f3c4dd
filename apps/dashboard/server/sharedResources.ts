import type { BraidServer } from '@braid-live/server';
import {
  type Incident,
  type Incidents,
  incidentsResource,
  LIMITS,
  type Notes,
  THRESHOLD_RANGES,
  type Thresholds,
  thresholdsResource,
  urls,
} from '../src/model/resources';

const INITIAL_THRESHOLDS: Thresholds = {
  temperature: 27,
  humidity: 75,
  pressure: 2.2,
  errorRate: 2,
  priceMove: 1.5,
};

// Fixed timestamps: an initial value must be the same at every start (stored versions are replayed onto it).
const INITIAL_INCIDENTS: Incidents = {
  items: [
    {
      id: 'welcome-1',
      title: 'Checkout latency above 400 ms in eu-west',
      severity: 'major',
      resolved: false,
      createdAt: Date.UTC(2026, 0, 12, 9, 14),
      openedBy: 'Ops bot',
    },
    {
      id: 'welcome-2',
      title: 'Greenhouse humidity sensor battery low',
      severity: 'minor',
      resolved: false,
      createdAt: Date.UTC(2026, 0, 12, 8, 2),
      openedBy: 'Ops bot',
    },
    {
      id: 'welcome-3',
      title: 'Nightly backup retried twice',
      severity: 'minor',
      resolved: true,
      createdAt: Date.UTC(2026, 0, 11, 23, 40),
      openedBy: 'Ops bot',
    },
  ],
};

/** The notes before anyone edits them (exported for the migration from the JSON notes, notesMigration.ts). */
export const INITIAL_NOTES: Notes = {
  text: 'Shift notes — everyone sees every keystroke.\n\n- Boiler pressure was high overnight, watch it.\n',
};

/** The documents people edit together. Each write is checked (validate → 422 with the reason, rolled back). */
export function defineSharedResources(braid: BraidServer): void {
  braid.resource(thresholdsResource, { initial: INITIAL_THRESHOLDS, validate: validateThresholds });
  braid.resource(incidentsResource, { initial: INITIAL_INCIDENTS, validate: validateIncidents });
  // A collaborative plain text (simpleton): every keystroke one code-point splice, merged by the server.
  braid.text(urls.notes, {
    initial: INITIAL_NOTES.text,
    validate: validateNotes,
    maxLength: LIMITS.notesChars,
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function validateThresholds(next: unknown): true | string {
  if (!isObject(next)) return 'thresholds must be an object';
  for (const [key, range] of Object.entries(THRESHOLD_RANGES)) {
    const value = next[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${key} must be a number`;
    if (value < range.min || value > range.max) return `${key} must be between ${range.min} and ${range.max}`;
  }
  const extra = Object.keys(next).find((key) => !Object.hasOwn(THRESHOLD_RANGES, key));
  return extra ? `unknown threshold ${JSON.stringify(extra)}` : true;
}

const SEVERITIES = new Set<Incident['severity']>(['critical', 'major', 'minor']);

export function validateIncidents(next: unknown): true | string {
  if (!isObject(next) || !Array.isArray(next.items)) return 'incidents must be { items: [...] }';
  if (next.items.length > LIMITS.incidents) return `at most ${LIMITS.incidents} incidents`;
  const ids = new Set<string>();
  for (const item of next.items as unknown[]) {
    if (!isObject(item)) return 'an incident must be an object';
    const { id, title, severity, resolved, createdAt, openedBy } = item;
    if (typeof id !== 'string' || !id || id.length > 64) return 'an incident needs an id';
    if (ids.has(id)) return `duplicate incident id ${JSON.stringify(id)}`;
    ids.add(id);
    if (typeof title !== 'string' || title.length > LIMITS.incidentTitle)
      return `an incident title is text of at most ${LIMITS.incidentTitle} characters`;
    if (!SEVERITIES.has(severity as Incident['severity'])) return 'severity must be critical, major or minor';
    if (typeof resolved !== 'boolean') return 'resolved must be true or false';
    if (typeof createdAt !== 'number') return 'createdAt must be a time';
    if (typeof openedBy !== 'string' || openedBy.length > 40) return 'openedBy must be a short name';
  }
  return true;
}

export function validateNotes(next: string): true | string {
  if (next.length > LIMITS.notesChars) return `notes are limited to ${LIMITS.notesChars} characters`;
  return true;
}
