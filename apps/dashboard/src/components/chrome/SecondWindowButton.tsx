/** Opens this page again in a new window: the fastest way to see that everything syncs. */
export function SecondWindowButton({ compact = false }: { compact?: boolean }) {
  return (
    <button
      type="button"
      className={`button ${compact ? 'button-small' : 'button-ghost'}`}
      onClick={() => window.open(location.href, '_blank', 'popup,width=1280,height=860')}
      data-testid="second-window"
    >
      <span className="label-long">Open this page in a second window ↗</span>
      <span className="label-short">Second window ↗</span>
    </button>
  );
}
