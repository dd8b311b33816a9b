// `prepare` step: build dist/ only when a source is newer than the last build, so `npm install` builds a fresh clone
// and `npx clawback` (which runs prepare when it links this directory) does not recompile on every new npx cache.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = path.join(root, 'dist', '.build-stamp');

/** Newest modification time (ms) of the files under dir, recursively. */
function newest(dir) {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

const inputs = Math.max(newest(path.join(root, 'src')), statSync(path.join(root, 'tsconfig.json')).mtimeMs, statSync(path.join(root, 'package.json')).mtimeMs);
if (existsSync(stamp) && statSync(stamp).mtimeMs >= inputs && existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  process.exit(0);
}
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  if (existsSync(path.join(root, 'dist', 'cli', 'main.js'))) process.exit(0); // an installed package: dist/ ships built
  console.error('clawback: cannot build: typescript is not installed (run npm install in the repository)');
  process.exit(1);
}
console.error('clawback: building dist/ (sources changed since the last build)');
const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const bundled = spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
if (bundled.status !== 0) process.exit(bundled.status ?? 1);
const copied = spawnSync(process.execPath, [path.join(root, 'scripts', 'copy-assets.mjs')], { cwd: root, stdio: 'inherit' });
process.exit(copied.status ?? 1);
