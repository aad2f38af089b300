import { createContext, useContext } from 'react';
import type { RendererApiClient } from './api-client';

export const ApiContext = createContext<RendererApiClient | null>(null);

export function useApi(): RendererApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}
