import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `quizforge serve` (or another command) as a child process, with its output kept for failures. */
export interface ServiceProcess {
  proc: ChildProcess;
  url: string;
  alive(): boolean;
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The parent's environment without OPENAI_* / QUIZFORGE_* settings, plus `env`. */
export function serviceEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OPENAI_') && !k.startsWith('QUIZFORGE_')) base[k] = v;
  }
  return { ...base, LOG_LEVEL: 'warn', ...env };
}

/** Spawns `bin/quizforge.js serve ...args` and resolves once it printed its listening URL. */
export async function spawnService(args: string[], env: Record<string, string>): Promise<ServiceProcess> {
  const proc = spawn(process.execPath, ['bin/quizforge.js', 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: serviceEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /quizforge listening on (http:\/\/[\d.:]+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`serve exited early (${code}):\n${output}`)));
  });
  return {
    proc,
    url,
    exited,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    log: () => output.slice(-4000),
  };
}
