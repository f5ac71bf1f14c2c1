import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `quizforge <argv>` in-process with its own environment, capturing what it prints. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}
