import './lib/csp-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import './features';
import { App } from './shell/App';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
