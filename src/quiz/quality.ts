/**
 * Per-question quality as the API shows it (issue 10, part 5): who vouched for the key, and the
 * item-writing-flaw warnings that stayed; and the batch's summary of both.
 */
import type { QualityFlag, StoredQuality, VerifiedState } from '../../schemas/question.js';
import type { BatchDetail, QuestionRecord } from '../db/quiz/index.js';
import type { Flaw } from './validate/index.js';

/** The flag a question gets when its key could not be checked (the verifier gave no usable answer). */
export const UNVERIFIED_FLAG: QualityFlag = {
  code: 'unverified',
  severity: 'warning',
  message: 'the key was not independently verified: the verifier gave no usable answer',
};

const POSITION = /^questions\[(\d+)\]/;

/**
 * The quality of each position of a finished quiz: its verification mark, the flaw warnings whose
 * path points at it (option paths are dropped: balancing reorders the options afterwards), and the
 * `unverified` flag where verification was tried and failed.
 */
export function questionQualities(marks: readonly VerifiedState[], warnings: readonly Flaw[]): StoredQuality[] {
  return marks.map((verified, position) => {
    const flags: QualityFlag[] = warnings
      .filter((w) => Number(POSITION.exec(w.path)?.[1] ?? -1) === position)
      .map((w) => ({ code: w.code, severity: w.severity, message: w.message }));
    return { verified, flags: verified === 'unverified' ? [...flags, UNVERIFIED_FLAG] : flags };
  });
}

/** A batch's quality: verified / total, by state, flags by code, repairs and what verification cost. */
export interface BatchQualityView {
  /** Questions whose key a verifier model or a reviewer vouched for. */
  verified: number;
  total: number;
  byVerification: Record<VerifiedState, number>;
  /** Flag code → how many questions carry it. */
  flags: Record<string, number>;
  /** Repair turns sent to the model, across all jobs, retries and replays. */
  repairs: number;
  verification: { calls: number; promptTokens: number; completionTokens: number };
}

export function batchQuality(questions: readonly QuestionRecord[], calls: BatchDetail['calls']): BatchQualityView {
  const byVerification: Record<VerifiedState, number> = { model: 0, human: 0, unverified: 0, off: 0 };
  const flags: Record<string, number> = {};
  for (const q of questions) {
    const quality = q.quality ?? { verified: 'unverified', flags: [] };
    byVerification[quality.verified] += 1;
    for (const code of new Set(quality.flags.map((f) => f.code))) flags[code] = (flags[code] ?? 0) + 1;
  }
  return {
    verified: byVerification.model + byVerification.human,
    total: questions.length,
    byVerification,
    flags,
    repairs: calls.repairs,
    verification: { calls: calls.verifications, promptTokens: calls.verifyPromptTokens, completionTokens: calls.verifyCompletionTokens },
  };
}
