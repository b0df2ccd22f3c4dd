import { useBraid } from '@braid-live/react';
import { useMemo } from 'react';
import { useSession } from '../../hooks/useSession';
import { type Incident, incidentsResource, urls } from '../../model/resources';
import { Panel } from '../Panel';
import { ResourceBadge } from '../ResourceBadge';
import { type IncidentActions, IncidentRow, nextSeverity } from './IncidentRow';
import { NewIncidentForm } from './NewIncidentForm';

const newId = () => `inc-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/**
 * A shared list. Every action finds its incident by id inside the recipe, so it applies to the list as it is
 * now (others may have added, moved or removed incidents since this row was rendered).
 */
export function IncidentsPanel() {
  const [incidents, setIncidents] = useBraid(incidentsResource);
  const { identity } = useSession();

  const actions = useMemo<IncidentActions>(() => {
    const update = (id: string, change: (item: Incident, items: Incident[], index: number) => void) =>
      setIncidents((draft) => {
        const index = draft.items.findIndex((item) => item.id === id);
        if (index >= 0) change(draft.items[index], draft.items, index);
      });
    return {
      rename: (id, title) => update(id, (item) => void (item.title = title)),
      cycleSeverity: (id) => update(id, (item) => void (item.severity = nextSeverity(item.severity))),
      toggleResolved: (id) => update(id, (item) => void (item.resolved = !item.resolved)),
      move: (id, by) =>
        update(id, (item, items, index) => {
          const to = index + by;
          if (to < 0 || to >= items.length) return;
          items.splice(index, 1);
          items.splice(to, 0, item);
        }),
      remove: (id) => update(id, (_item, items, index) => void items.splice(index, 1)),
    };
  }, [setIncidents]);

  const add = ({ title, severity }: Pick<Incident, 'title' | 'severity'>) =>
    setIncidents((draft) => {
      draft.items.unshift({
        id: newId(),
        title,
        severity,
        resolved: false,
        createdAt: Date.now(),
        openedBy: identity.name,
      });
    });

  const items = incidents?.items ?? [];
  const open = items.filter((item) => !item.resolved).length;
  return (
    <Panel
      id="incidents"
      title="Incidents"
      subtitle={incidents ? `${open} open · ${items.length - open} resolved` : 'Loading…'}
      aside={<ResourceBadge url={urls.incidents} />}
      className="area-incidents"
    >
      <NewIncidentForm onAdd={add} />
      <ol className="incident-list">
        {items.map((incident, index) => (
          <IncidentRow
            key={incident.id}
            incident={incident}
            isFirst={index === 0}
            isLast={index === items.length - 1}
            actions={actions}
          />
        ))}
        {incidents && items.length === 0 && <li className="empty">No incidents. Quiet shift.</li>}
      </ol>
    </Panel>
  );
}
