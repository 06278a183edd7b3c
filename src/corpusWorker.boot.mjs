// Starts the corpus worker thread (corpusWorker.ts) with tsx's loader registered in this thread:
// a worker's own `--import` hooks are not in place yet when its entry module is resolved.
import { register } from 'tsx/esm/api';

register();
await import('./corpusWorker.ts');
