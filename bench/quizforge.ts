import type { BenchSystem } from './system.js';
import { projectVersion } from './versions.js';

const notYet = () => Promise.reject(new Error('quizforge engine not landed yet'));

export const quizforge: BenchSystem = {
  name: 'quizforge',
  version: projectVersion(),
  settings: {},
  install: notYet,
  openClient: notYet,
  startWorker: notYet,
};
