import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { AppEnv } from '../env.js';

/**
 * The pages' static files, read once at start and served under a content-hashed URL, so they can
 * be cached for good and a deploy can never pair new HTML with an old script. Separate files (not
 * inline code) because the Content-Security-Policy forbids inline scripts.
 */

interface Asset {
  body: string;
  type: string;
  version: string;
}

const FILES = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dlq.js': 'text/javascript; charset=utf-8',
  'batch.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

export type AssetName = keyof typeof FILES;

function load(): Record<AssetName, Asset> {
  const out = {} as Record<AssetName, Asset>;
  for (const [name, type] of Object.entries(FILES) as Array<[AssetName, string]>) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    out[name] = { body, type, version };
  }
  return out;
}

const ASSETS = load();

/** The URL pages link to; the `v` query changes whenever the file does. */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${ASSETS[name].version}`;
}

/** Serves `/assets/:name`; public, so the login page has its stylesheet before any session exists. */
export function assetRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(FILES, name)) return c.text('Not found', 404);
    const asset = ASSETS[name as AssetName];
    const versioned = c.req.query('v') === asset.version;
    return c.body(asset.body, 200, {
      'Content-Type': asset.type,
      'Cache-Control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
  });
  return app;
}
