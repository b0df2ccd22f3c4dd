import { BraidClient } from '@braid-live/core';
import { createContext, type ReactNode, useContext, useState } from 'react';

const BraidContext = createContext<BraidClient | null>(null);

/** Makes a BraidClient available to the hooks below it. Without `client`, one is created for the app's lifetime. */
export function BraidProvider({ client, children }: { client?: BraidClient; children?: ReactNode }) {
  const [own] = useState(() => client ?? new BraidClient());
  return <BraidContext.Provider value={client ?? own}>{children}</BraidContext.Provider>;
}

/** The BraidClient of the nearest BraidProvider. */
export function useBraidClient(): BraidClient {
  const client = useContext(BraidContext);
  if (!client) throw missingProvider();
  return client;
}

/** The nearest BraidClient, or null: for hooks whose key is null, which need no client. */
export function useOptionalBraidClient(): BraidClient | null {
  return useContext(BraidContext);
}

export function missingProvider(): Error {
  return new Error('useBraid* hooks need a <BraidProvider> above them');
}
