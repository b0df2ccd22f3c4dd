import { createContext, useContext } from 'react';
import type { Session } from '../lib/session';

export const SessionContext = createContext<Session | null>(null);

/** The page's identity, client and error log (set up once in main.tsx). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs <SessionContext.Provider>');
  return session;
}
