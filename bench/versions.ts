import { existsSync, readFileSync } from 'node:fs';

/**
 * Reads an installed package's version (what actually ran, not the range): bench/'s own packages
 * (bench/package.json) first, then the project's.
 */
export function installedVersion(pkg: string): string {
  const own = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  const url = existsSync(own) ? own : new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
    return parsed.version;
  }
  return 'unknown';
}

export function projectVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
    return parsed.version;
  }
  return 'unknown';
}
