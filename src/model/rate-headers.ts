/** What a provider's `x-ratelimit-*` headers said about the caller's remaining quota. */
export type RateLimitInfo = {
  remainingRequests?: number;
  remainingTokens?: number;
  resetRequestsMs?: number;
  resetTokensMs?: number;
};

/** OpenAI-style durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`; a bare number is seconds. */
export function parseResetDuration(text: string | null | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? 's'] ?? 0), 0));
}

function count(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** The `x-ratelimit-*` headers of a response, or null when it sent none. */
export function parseRateLimitHeaders(headers: Headers | undefined): RateLimitInfo | null {
  if (!headers) return null;
  const info: RateLimitInfo = {};
  const rr = count(headers, 'x-ratelimit-remaining-requests');
  const rt = count(headers, 'x-ratelimit-remaining-tokens');
  const sr = parseResetDuration(headers.get('x-ratelimit-reset-requests'));
  const st = parseResetDuration(headers.get('x-ratelimit-reset-tokens'));
  if (rr !== undefined) info.remainingRequests = rr;
  if (rt !== undefined) info.remainingTokens = rt;
  if (sr !== undefined) info.resetRequestsMs = sr;
  if (st !== undefined) info.resetTokensMs = st;
  return Object.keys(info).length === 0 ? null : info;
}

/** How long every caller should hold off after a response whose quota is spent, or 0. */
export function quotaPauseMs(info: RateLimitInfo | null | undefined): number {
  if (!info) return 0;
  const waits = [
    info.remainingRequests === 0 ? (info.resetRequestsMs ?? 1000) : 0,
    info.remainingTokens === 0 ? (info.resetTokensMs ?? 1000) : 0,
  ];
  return Math.max(...waits);
}
