// Worker-thread entry: registers tsx's loader (as bin/quizforge.js does), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./extract-worker.ts');
