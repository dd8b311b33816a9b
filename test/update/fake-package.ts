// Builds tarballs of the fake gateway package (test/fixtures/fake-gw) with `npm pack`, one per version and behaviour.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VersionStore } from '../../src/update/version-store.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';

const SRC = fileURLToPath(new URL('../fixtures/fake-gw/', import.meta.url));

export type FakeMode = 'good' | 'crash' | 'exit78' | 'never-ready' | 'reject-config' | 'slow-validate' | 'broken';

/** Packs fake-gw@version with the given behaviour into `outDir` (fake-gw-<version>.tgz). No network. */
export async function packFake(outDir: string, version: string, mode: FakeMode): Promise<string> {
  const work = path.join(outDir, `src-${version}`);
  await fs.mkdir(work, { recursive: true });
  for (const f of ['server.mjs', 'validate.mjs']) await fs.copyFile(path.join(SRC, f), path.join(work, f));
  await fs.writeFile(path.join(work, 'package.json'), JSON.stringify({ name: 'fake-gw', version, type: 'module', fakeMode: mode, files: ['*.mjs'] }, null, 2));
  execFileSync('npm', ['pack', '--pack-destination', outDir, '--loglevel=error'], { cwd: work, stdio: 'ignore', timeout: 60_000 });
  return path.join(outDir, `fake-gw-${version}.tgz`);
}

/**
 * Installs fake-gw@version from `tgzDir` into the version store at `versions` (npm offline, `cache` as its cache) and,
 * unless `current: false`, makes it current ('initial install'). Throws naming the version when npm fails.
 */
export async function installFake(versions: string, tgzDir: string, version: string, cache: string, opts: { current?: boolean } = {}): Promise<VersionStore> {
  const store = new VersionStore(versions, 'fake-gw');
  const r = await store.install(version, path.join(tgzDir, `fake-gw-${version}.tgz`), { runner: spawnRunner(), npm: ['npm'], args: ['--offline', '--cache', cache], env: { ...(process.env as Record<string, string>) }, timeoutMs: 120_000 });
  if (!r.ok) throw new Error(`installing fake-gw ${version}: ${r.error}`);
  if (opts.current !== false) await store.switchTo(version, 'initial install', Date.now());
  return store;
}
