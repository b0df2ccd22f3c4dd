import { type FormEvent, useState } from 'react';
import { type Incident, LIMITS, type Severity } from '../../model/resources';

const SEVERITIES: Severity[] = ['critical', 'major', 'minor'];

export function NewIncidentForm({
  onAdd,
}: {
  onAdd: (incident: Pick<Incident, 'title' | 'severity'>) => void;
}) {
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<Severity>('major');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) return;
    onAdd({ title: trimmed, severity });
    setTitle('');
  };
  return (
    <form className="incident-form" onSubmit={submit}>
      <input
        className="input"
        value={title}
        maxLength={LIMITS.incidentTitle}
        placeholder="Describe a new incident…"
        aria-label="New incident title"
        onChange={(event) => setTitle(event.currentTarget.value)}
      />
      <fieldset className="segmented" aria-label="Severity">
        {SEVERITIES.map((s) => (
          <button
            key={s}
            type="button"
            aria-pressed={severity === s}
            className={`segment sev-${s} ${severity === s ? 'is-on' : ''}`}
            onClick={() => setSeverity(s)}
          >
            {s}
          </button>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={!title.trim()}>
        Add
      </button>
    </form>
  );
}
