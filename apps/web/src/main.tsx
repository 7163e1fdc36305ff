import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { ServicesProvider, createAppServices } from './app-context.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesProvider services={createAppServices()}>
      <App />
    </ServicesProvider>
  </StrictMode>,
);
