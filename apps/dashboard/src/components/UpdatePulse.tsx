import { useBraidSelector, useBraidStatus } from '@braid-live/react';

const selectUpdatedAt = (value: { updatedAt: number }) => value.updatedAt;

/**
 * A dot that flashes on every update of a live feed (the element is re-keyed per update, which restarts its
 * CSS animation). Carries the resource's state and last update time as data attributes, which the e2e test
 * reads to check that every feed on the page is live and moving.
 */
export function UpdatePulse({ url }: { url: string }) {
  const updatedAt = useBraidSelector(url, selectUpdatedAt);
  const { state } = useBraidStatus(url);
  return (
    <span
      className={`pulse pulse-${state}`}
      data-live-resource={url}
      data-state={state}
      data-updated-at={updatedAt ?? ''}
      title={state === 'live' ? 'Live: updates as they happen' : state}
    >
      <span key={updatedAt} className="pulse-ring" aria-hidden />
      <span className="pulse-dot" aria-hidden />
    </span>
  );
}
