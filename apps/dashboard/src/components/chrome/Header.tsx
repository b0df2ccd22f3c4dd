import { useSession } from '../../hooks/useSession';
import { hueOf } from '../../lib/identity';
import { SecondWindowButton } from './SecondWindowButton';

export function Header() {
  const { identity } = useSession();
  return (
    <header className="app-header">
      <div className="brand">
        <svg viewBox="0 0 32 32" className="brand-mark" aria-hidden>
          <path
            d="M5 21c4 0 4-9 8-9s4 9 8 9 3.5-5 6-6"
            fill="none"
            stroke="currentColor"
            strokeWidth="3"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        <div>
          <h1>Live operations</h1>
          <p className="brand-sub">
            braid-live demo · every value on this page is a Braid-HTTP resource, kept live over plain HTTP
          </p>
        </div>
      </div>
      <div className="header-actions">
        <span className="you" title={`Your edits are signed ${identity.peer}`}>
          <span
            className="avatar avatar-small"
            style={{ '--hue': hueOf(identity.name) } as never}
            aria-hidden
          >
            {identity.name[0]}
          </span>
          You are <strong>{identity.name}</strong>
        </span>
        <SecondWindowButton />
      </div>
    </header>
  );
}
