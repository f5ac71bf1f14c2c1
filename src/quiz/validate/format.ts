import type { Issue } from './types.js';

/** Beyond this many lines a repair prompt gets longer without getting more useful. */
const DEFAULT_MAX_LINES = 40;

/**
 * Renders issues as the bullet list the repair prompt shows the model: one line per issue, with
 * the path and rule code so the model can find the spot and the logs can be grepped.
 */
export function formatIssuesForPrompt(issues: readonly Issue[], maxLines: number = DEFAULT_MAX_LINES): string {
  if (issues.length === 0) return '(no issues)';
  const shown = issues.slice(0, Math.max(1, maxLines));
  const lines = shown.map((issue) => `- ${issue.path} [${issue.code}]: ${issue.message}`);
  const hidden = issues.length - shown.length;
  if (hidden > 0) lines.push(`- … and ${hidden} more issue${hidden === 1 ? '' : 's'} of the same kinds`);
  return lines.join('\n');
}
