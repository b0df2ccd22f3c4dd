import type { ReactNode } from 'react';

interface PanelProps {
  title: string;
  /** A short line under the title (what this is, where it comes from). */
  subtitle?: ReactNode;
  /** Right side of the header: status badges, actions. */
  aside?: ReactNode;
  className?: string;
  children: ReactNode;
  /** For tests and anchors. */
  id?: string;
}

/** The card every section of the dashboard sits in. */
export function Panel({ title, subtitle, aside, className, children, id }: PanelProps) {
  return (
    <section className={`panel ${className ?? ''}`} id={id} aria-labelledby={id && `${id}-title`}>
      <header className="panel-header">
        <div className="panel-heading">
          <h2 id={id && `${id}-title`}>{title}</h2>
          {subtitle && <p className="panel-subtitle">{subtitle}</p>}
        </div>
        {aside && <div className="panel-aside">{aside}</div>}
      </header>
      {children}
    </section>
  );
}
