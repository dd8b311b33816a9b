// `clawback status` compiles its bundle with the V8 code cache the build trained (src/cli/code-cache.cts, issue 19):
// the cache is used by the Node that built it, refused when it is not for the file (rebuilt, copied, touched) or
// damaged, and in every case the command's code runs the same.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';

const CLI_DIR = path.dirname(CLI);
const BUNDLE = path.join(CLI_DIR, 'status-fast.bundle.cjs');
const LOADER = path.join(CLI_DIR, 'code-cache.cjs');

/** How a fresh node process (no flags, as `clawback` runs) compiles `file`, and whether its exports are the status code. */
function loadIn(file: string): { cache: string; runStatus: string } {
  const script = `const { createRequire } = require('node:module');
const r = require(${JSON.stringify(LOADER)}).loadWithCodeCache(${JSON.stringify(file)}, createRequire(${JSON.stringify(file)}));
process.stdout.write(JSON.stringify({ cache: r.cache, runStatus: typeof r.exports.runStatus + '/' + typeof r.exports.runFastStatus }));`;
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  return JSON.parse(execFileSync(NODE, ['-e', script], { env, encoding: 'utf8' })) as { cache: string; runStatus: string };
}

/** A copy of the built bundle and its cache in a directory of its own, the cache's header made for the copy (its mtime). */
function copyBuilt(): string {
  const dir = tempDir('clawback-code-cache-');
  const file = path.join(dir, 'status-fast.bundle.cjs');
  copyFileSync(BUNDLE, file);
  const cache = readFileSync(`${BUNDLE}.v8cache`);
  const nl = cache.indexOf(10);
  const header = { ...(JSON.parse(cache.subarray(0, nl).toString()) as object), mtimeMs: statSync(file).mtimeMs };
  writeFileSync(`${file}.v8cache`, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), cache.subarray(nl + 1)]));
  return file;
}

describe('the status command code cache', () => {
  it('is built beside the bundle and used by this Node', () => {
    expect(existsSync(`${BUNDLE}.v8cache`)).toBe(true);
    const header = JSON.parse(readFileSync(`${BUNDLE}.v8cache`).subarray(0, readFileSync(`${BUNDLE}.v8cache`).indexOf(10)).toString()) as { size: number; node: string };
    expect(header).toMatchObject({ size: statSync(BUNDLE).size, node: process.version });
    expect(loadIn(BUNDLE)).toEqual({ cache: 'used', runStatus: 'function/function' });
    expect(loadIn(copyBuilt())).toEqual({ cache: 'used', runStatus: 'function/function' });
  });

  it('is not used for a bundle changed or touched since it was trained, nor when it is damaged; the code runs from source', () => {
    const touched = copyBuilt();
    utimesSync(touched, new Date(), new Date(Date.now() - 60_000));
    expect(loadIn(touched)).toEqual({ cache: 'stale', runStatus: 'function/function' });

    const damaged = copyBuilt();
    const bytes = readFileSync(`${damaged}.v8cache`);
    const nl = bytes.indexOf(10);
    for (let i = nl + 1; i < bytes.length; i += 7) bytes[i] = (bytes[i]! + 1) & 0xff;
    writeFileSync(`${damaged}.v8cache`, bytes);
    expect(loadIn(damaged)).toEqual({ cache: 'rejected', runStatus: 'function/function' });

    const badHeader = copyBuilt();
    writeFileSync(`${badHeader}.v8cache`, 'not json\nxx');
    expect(loadIn(badHeader)).toEqual({ cache: 'stale', runStatus: 'function/function' });

    const none = copyBuilt();
    writeFileSync(`${none}.v8cache`, '');
    expect(loadIn(none).runStatus).toBe('function/function');
  });

  it('is used by `node dist/cli/main.js status` (the command the start hint prints) too, not only by the bin', () => {
    const dir = tempDir('clawback-code-cache-main-');
    const record = path.join(dir, 'requires.txt');
    writeFileSync(record, '');
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    let code = 0;
    try {
      execFileSync(NODE, ['--require', path.join(FIXTURES, 'record-requires.cjs'), CLI, 'status', '--state-dir', path.join(dir, 'state')], { env: { ...env, RECORD_REQUIRES: record }, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      code = (err as { status: number }).status;
    }
    // No daemon there: the status code's own answer (exit 3), from the bundle compiled by code-cache.cjs, not require().
    expect(code).toBe(3);
    const files = readFileSync(record, 'utf8').split('\n').filter((l) => l.startsWith('/'));
    expect(files).toContain(LOADER);
    expect(files).not.toContain(BUNDLE);
  });
});
