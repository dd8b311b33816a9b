// Versions of openclaw for the update e2e: installed from npm once into a cache dir of their own (never the shared e2e cache).
import { existsSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VersionStore } from '../../src/update/version-store.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { NODE24 } from './openclaw-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VERSIONS_CACHE = process.env.CLAWBACK_E2E_VERSIONS ?? path.join(ROOT, '.cache', 'e2e-versions');
export const NPM_CACHE = process.env.CLAWBACK_E2E_NPM_CACHE ?? path.join(ROOT, '.cache', 'npm');

export function installedIn(dir: string, v: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, v, 'node_modules', 'openclaw', 'package.json'), 'utf8')) as { version: string }).version === v;
  } catch {
    return false;
  }
}

/** openclaw@v from npm into VERSIONS_CACHE/<v> (Clawback's own installer, Node 24 first on PATH), 3 tries; reused when present. */
export async function ensureVersion(v: string): Promise<string> {
  if (installedIn(VERSIONS_CACHE, v)) return path.join(VERSIONS_CACHE, v);
  const store = new VersionStore(VERSIONS_CACHE, 'openclaw');
  const env = { ...(process.env as Record<string, string>), PATH: `${path.dirname(NODE24)}:${process.env.PATH ?? ''}` };
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await store.install(v, `openclaw@${v}`, { runner: spawnRunner(), npm: ['npm'], args: ['--cache', NPM_CACHE, '--fetch-retries=5'], env, timeoutMs: 1_200_000 });
    if (r.ok) return store.versionDir(v);
    last = r.error;
  }
  throw new Error(`could not install openclaw@${v}: ${last}`);
}

/** A case's own versions dir: <dir>/<v> is a symlink to the cached install (a switch never touches the cache). */
export function linkVersion(caseVersions: string, v: string): void {
  symlinkSync(path.join(VERSIONS_CACHE, v), path.join(caseVersions, v));
}

/**
 * A partial install of v: a hard-linked copy of the cached tree (no extra space) with one module file removed that
 * `openclaw config validate` does not load but `gateway run` does, and without Clawback's install manifest (npm
 * left it like this, not Clawback). Returns the removed file.
 */
export function brokenCopy(caseVersions: string, v: string): string {
  const dest = path.join(caseVersions, v);
  execFileSync('cp', ['-al', path.join(VERSIONS_CACHE, v), dest]);
  rmSync(path.join(dest, '.clawback-install.json'), { force: true });
  const dist = path.join(dest, 'node_modules', 'openclaw', 'dist');
  // The gateway-lock chunk that `gateway run`'s state maintenance imports (the validator never loads it).
  const target = readdirSync(dist)
    .filter((f) => /^doctor-maintenance-.*\.mjs$/.test(f))
    .map((f) => /from "\.\/(gateway-lock-[\w-]+\.mjs)"/.exec(readFileSync(path.join(dist, f), 'utf8'))?.[1])
    .find((x) => x !== undefined);
  if (!target || !existsSync(path.join(dist, target))) throw new Error(`no gateway-lock module found to remove in ${dist}`);
  rmSync(path.join(dist, target));
  return path.join(dist, target);
}
