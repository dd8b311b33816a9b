// `prepare` (scripts/build-if-stale.mjs) compiles only when a source changed after the last build, so `npx clawback`
// and repeated `npm install`s do not recompile; a stand-in tsc records whether it was called.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './markdown.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'clawback-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function prepare(): { code: number | null; stderr: string; tscRan: boolean } {
  rmSync(path.join(tmp, 'tsc-ran'), { force: true });
  const r = spawnSync(process.execPath, [path.join(tmp, 'scripts', 'build-if-stale.mjs')], { cwd: tmp, encoding: 'utf8', timeout: 30_000, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
  return { code: r.status, stderr: r.stderr, tscRan: existsSync(path.join(tmp, 'tsc-ran')) };
}

describe('prepare builds only when sources changed', () => {
  it('skips a fresh build, rebuilds after a source edit, then skips again', () => {
    for (const d of ['scripts', 'src/cli', 'src/server/dashboard', 'dist/cli', 'node_modules/typescript/bin']) mkdirSync(path.join(tmp, d), { recursive: true });
    for (const f of ['scripts/build-if-stale.mjs', 'scripts/bundle-cli.mjs', 'scripts/copy-assets.mjs']) copyFileSync(path.join(ROOT, f), path.join(tmp, f));
    writeFileSync(path.join(tmp, 'package.json'), '{}');
    writeFileSync(path.join(tmp, 'tsconfig.json'), '{}');
    writeFileSync(path.join(tmp, 'src/cli/main.ts'), 'export {};\n');
    writeFileSync(path.join(tmp, 'src/server/dashboard/index.html'), '<!doctype html>\n');
    // The stand-in compiler: records that it ran and writes the entry point.
    writeFileSync(
      path.join(tmp, 'node_modules/typescript/bin/tsc'),
      "const fs = require('node:fs'); fs.writeFileSync('tsc-ran', 'yes'); fs.writeFileSync('dist/cli/main.js', '');\n",
    );
    writeFileSync(path.join(tmp, 'node_modules/typescript/package.json'), '{"type":"commonjs"}');

    const first = prepare(); // no dist yet: builds
    expect(first.code, first.stderr).toBe(0);
    expect(first.tscRan).toBe(true);
    expect(existsSync(path.join(tmp, 'dist/.build-stamp'))).toBe(true);
    expect(existsSync(path.join(tmp, 'dist/server/dashboard/index.html'))).toBe(true);

    const again = prepare();
    expect(again.code).toBe(0);
    expect(again.tscRan).toBe(false);
    expect(again.stderr).toBe('');

    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(tmp, 'src/cli/main.ts'), later, later);
    const edited = prepare();
    expect(edited.tscRan).toBe(true);
    expect(edited.stderr).toMatch(/sources changed/);
    expect(readFileSync(path.join(tmp, 'dist/.build-stamp'), 'utf8')).toMatch(/^\d{4}-/);
    // The stamp is now newer than the edit... unless the edit is in the future: bring the stamp level with it.
    utimesSync(path.join(tmp, 'dist/.build-stamp'), later, later);
    expect(prepare().tscRan).toBe(false);
  });

  it('package.json runs it as prepare', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs');
  });
});
