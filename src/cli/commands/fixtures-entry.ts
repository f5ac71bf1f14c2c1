import { pipelineVersions } from '../../quiz/messages.js';
import { loadPrompts } from '../../quiz/prompts.js';
import { resolveFixturesDir } from '../../model/index.js';
import type { CliIo } from '../io.js';
import { run as runFixtures } from './fixtures.js';

/** `quizforge fixtures`: the model layer's cassette tools, told the pipeline's current versions. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  return runFixtures(argv, io, {
    fixturesDir: resolveFixturesDir(io.env),
    currentVersions: () => pipelineVersions(loadPrompts()),
  });
}
