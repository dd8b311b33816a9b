// Builds tarballs of the fake gateway package (test/fixtures/fake-gw) with `npm pack`, one per version and behaviour.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
