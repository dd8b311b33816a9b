// Serves the web dashboard's static files (plain HTML/CSS/JS, no build step) through the API server's dashboard hook.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonPlugin } from '../daemon/daemon.js';
import type { ClawbackEvent } from '../observe/events.js';
import { journalSignature } from '../observe/incident-history.js';
import { readRecentEvents, recentLimit, RECENT_EVENTS_MAX } from './dashboard-events.js';

export interface DashboardAsset {
  body: string | Buffer;
  type: string;
}

export type DashboardHandler = (path: string) => DashboardAsset | undefined;

/** URL path -> file name in the asset directory, and its content type. */
const ROUTES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/**
 * Where the asset files live. tsc does not copy non-TS files, so the build must copy
 * src/server/dashboard/ to dist/server/dashboard/; until it does, a compiled module falls
 * back to the sources beside dist/ (works from a git checkout, not from the npm package).
 */
export function dashboardAssetDirs(): string[] {
  return [new URL('./dashboard/', import.meta.url), new URL('../../src/server/dashboard/', import.meta.url)].map((u) => fileURLToPath(u));
}

export function findDashboardAssetDir(): string | undefined {
  return dashboardAssetDirs().find((dir) => existsSync(`${dir}index.html`));
}

/**
 * Reads the assets once and returns the API server's `dashboard(path)` hook.
 * Throws when the asset directory is missing (a broken build should fail loudly at start).
 */
export function createDashboard(assetDir: string | undefined = findDashboardAssetDir()): DashboardHandler {
  if (!assetDir) throw new Error(`dashboard assets not found (looked in ${dashboardAssetDirs().join(', ')}); copy src/server/dashboard/ to dist/server/dashboard/ at build time`);
  const dir = assetDir.endsWith('/') ? assetDir : `${assetDir}/`;
  const files = new Map<string, Buffer>();
  for (const { file } of Object.values(ROUTES)) {
    if (!files.has(file)) files.set(file, readFileSync(`${dir}${file}`));
  }
  return (path) => {
    const route = ROUTES[path];
    if (!route) return undefined;
    return { body: files.get(route.file)!, type: route.type };
  };
}

/**
 * The dashboard as a daemon plugin: its static files, and GET /api/events/recent (the journal's tail, redacted) so
 * the page shows recent events when it opens.
 */
export function dashboardPlugin(assetDir?: string): DaemonPlugin {
  return {
    name: 'dashboard',
    init: (ctx) => {
      const journal = path.join(ctx.stateDir, 'journal.jsonl');
      // One read of the journal's tail, shared by the requests that arrive meanwhile and reused until the journal changes
      // (as the incident history is): each request read, parsed and redacted its own 512 KB, and 2000 at once (any local
      // user may ask, no token on loopback) held 1.4 GB and kept the probes 22 s late.
      let last: { key: string; events: Promise<ClawbackEvent[]> } | undefined;
      const recent = async (): Promise<ClawbackEvent[]> => {
        const key = await journalSignature(journal);
        if (last?.key !== key) {
          const events = readRecentEvents(journal, RECENT_EVENTS_MAX).then((all) => all.map((e) => ctx.redactor.redactDeep(e)));
          last = { key, events };
          // A failed read is not kept: the next request tries again.
          events.catch(() => {
            if (last?.events === events) last = undefined;
          });
        }
        return last.events;
      };
      return {
        dashboard: createDashboard(assetDir),
        extra: async (p, q) => {
          if (p !== '/api/events/recent') return undefined;
          const limit = recentLimit(q);
          if (typeof limit !== 'number') return limit;
          return (await recent()).slice(-limit);
        },
      };
    },
  };
}
