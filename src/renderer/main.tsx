import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import './theme.css';
import './panels.css';
import { createApiClient } from './api/api-client';
import { App } from './app';

const api = createApiClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} />
  </StrictMode>,
);
