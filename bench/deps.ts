/**
 * `npm run bench:deps`: installs bench/'s own packages (graphile-worker, pg-boss, autocannon) from
 * bench/package-lock.json. They are benchmark-only and want a newer Node than the service, so they
 * stay out of the root install (no EBADENGINE warnings for users); the bench scripts run this first.
 * Skips the install when bench/node_modules already matches the lockfile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const lock = new URL('./package-lock.json', import.meta.url);
const installed = new URL('./node_modules/.package-lock.json', import.meta.url);

/** npm writes node_modules/.package-lock.json on install: same packages, no root entry. */
function packagesOf(file: URL): string {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { packages?: Record<string, unknown> };
  const entries = Object.entries(parsed.packages ?? {}).filter(([path]) => path !== '');
  return JSON.stringify(Object.fromEntries(entries.map(([path, meta]) => [path, (meta as { version?: string }).version])));
}

if (existsSync(installed) && packagesOf(installed) === packagesOf(lock)) {
  process.stderr.write('[bench] bench/node_modules is up to date\n');
} else {
  process.stderr.write('[bench] installing bench/ packages (npm ci in bench/)\n');
  // The engine warnings are expected here (graphile-worker and pg-boss declare Node ≥ 22; they run on 20).
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
}
