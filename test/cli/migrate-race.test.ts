import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/client.js';
import { urlFor, withAdmin } from '../helpers/pg-admin.js';

const MIGRATIONS = readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith('.sql')).length;
const BIN = fileURLToPath(new URL('../../bin/quizforge.js', import.meta.url));

function migrateProcess(url: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'migrate'], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('concurrent migrations', () => {
  it('four `quizforge migrate` processes racing on a fresh database all exit 0', async () => {
    for (let round = 0; round < 2; round++) {
      const name = `qf_migrate_race_${process.pid}_${Date.now()}`;
      await withAdmin((c) => c.query(`create database "${name}"`));
      try {
        const results = await Promise.all(Array.from({ length: 4 }, () => migrateProcess(urlFor(name))));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        // Each migration recorded once: the waiting processes found nothing left to do.
        const db = new pg.Client({ connectionString: urlFor(name) });
        await db.connect();
        try {
          const applied = await db.query('select count(*)::int as n from drizzle.__drizzle_migrations');
          expect(applied.rows[0]).toEqual({ n: MIGRATIONS });
        } finally {
          await db.end();
        }
      } finally {
        await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
      }
    }
  }, 120_000);
});
