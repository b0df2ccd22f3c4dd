import { useState } from 'react';
import { useNow } from '../../hooks/useNow';
import { formatAgo } from '../../lib/format';
import { type Incident, LIMITS, type Severity } from '../../model/resources';

export interface IncidentActions {
  rename(id: string, title: string): void;
  cycleSeverity(id: string): void;
  toggleResolved(id: string): void;
  move(id: string, by: -1 | 1): void;
  remove(id: string): void;
}

const NEXT_SEVERITY: Record<Severity, Severity> = { critical: 'major', major: 'minor', minor: 'critical' };
export const nextSeverity = (s: Severity) => NEXT_SEVERITY[s];

export function IncidentRow({
  incident,
  isFirst,
  isLast,
  actions,
}: {
  incident: Incident;
  isFirst: boolean;
  isLast: boolean;
  actions: IncidentActions;
}) {
  const now = useNow(15_000);
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    const title = draft?.trim();
    if (title && title !== incident.title) actions.rename(incident.id, title);
    setDraft(null);
  };
  return (
    <li className={`incident ${incident.resolved ? 'is-resolved' : ''}`} data-testid="incident">
      <button
        type="button"
        className={`sev sev-${incident.severity}`}
        title="Change severity"
        onClick={() => actions.cycleSeverity(incident.id)}
      >
        {incident.severity}
      </button>
      <div className="incident-main">
        {draft === null ? (
          <button
            type="button"
            className="incident-title"
            title="Click to edit"
            onClick={() => setDraft(incident.title)}
          >
            {incident.title || <em>untitled</em>}
          </button>
        ) : (
          <input
            className="input input-inline"
            value={draft}
            maxLength={LIMITS.incidentTitle}
            aria-label="Incident title"
            // biome-ignore lint/a11y/noAutofocus: the user just clicked the title to edit it
            autoFocus
            onChange={(event) => setDraft(event.currentTarget.value)}
            onBlur={commit}
            onKeyDown={(event) => {
              if (event.key === 'Enter') commit();
              if (event.key === 'Escape') setDraft(null);
            }}
          />
        )}
        <span className="incident-meta">
          {incident.openedBy} · {formatAgo(incident.createdAt, now)}
        </span>
      </div>
      <div className="incident-actions">
        <button
          type="button"
          className="icon-button"
          aria-label={incident.resolved ? 'Reopen' : 'Resolve'}
          title={incident.resolved ? 'Reopen' : 'Resolve'}
          onClick={() => actions.toggleResolved(incident.id)}
        >
          {incident.resolved ? '↺' : '✓'}
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Move up"
          title="Move up"
          disabled={isFirst}
          onClick={() => actions.move(incident.id, -1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Move down"
          title="Move down"
          disabled={isLast}
          onClick={() => actions.move(incident.id, 1)}
        >
          ↓
        </button>
        <button
          type="button"
          className="icon-button icon-danger"
          aria-label="Delete"
          title="Delete"
          onClick={() => actions.remove(incident.id)}
        >
          ✕
        </button>
      </div>
    </li>
  );
}
