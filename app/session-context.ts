import { createContext, useContext } from 'react';
import type { Session } from './session';

/** The page's Session, provided once at the root so components can send commands without importing a singleton. */
export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('SafeTune: a component that sends commands was rendered outside <SessionContext.Provider>');
  return session;
}
