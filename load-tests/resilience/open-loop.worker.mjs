// Worker threads do not inherit tsx's loader from the suite's process: register it, then load
// the TypeScript worker (open-loop.worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./open-loop.worker.ts');
