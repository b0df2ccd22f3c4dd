import { BraidProvider } from '@braid-live/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionContext } from './hooks/useSession';
import { createSession } from './lib/session';
import './styles.css';

const session = createSession();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionContext.Provider value={session}>
      <BraidProvider client={session.client}>
        <App />
      </BraidProvider>
    </SessionContext.Provider>
  </StrictMode>,
);
