// The test prerequisites step says what is missing and what it installs, honours CLAWBACK_SKIP_APT=1, and never
// installs silently (apt's output goes to a file it names). Run with a PATH that hides the tools; nothing is installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown.js';

const SCRIPT = path.join(ROOT, 'scripts', 'ensure-test-deps.sh');
const emptyBin = mkdtempSync(path.join(os.tmpdir(), 'clawback-nobin-'));

function runScript(env: Record<string, string>): { code: number | null; out: string } {
  const r = spawnSync('/bin/bash', [SCRIPT], { encoding: 'utf8', timeout: 30_000, env: { PATH: emptyBin, CLAWBACK_TEST_CHILD: '1', ...env } });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('scripts/ensure-test-deps.sh', () => {
  it('with CLAWBACK_SKIP_APT=1 names what is missing (prometheus and etcd included) and installs nothing', () => {
    const r = runScript({ CLAWBACK_SKIP_APT: '1' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/test prerequisites missing: .*tmux/);
    expect(r.out).toMatch(/prometheus/);
    expect(r.out).toMatch(/etcd-server/);
    expect(r.out).toMatch(/CLAWBACK_SKIP_APT=1: not installing/);
  });

  it('without apt-get it fails loudly, names the packages and the opt-out', () => {
    const r = runScript({});
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/apt-get install .*tmux/);
    expect(r.out).toMatch(/CLAWBACK_SKIP_APT=1/);
  });

  it('says what it installs, keeps apt quiet in a log file it names, and reports success (fake apt-get on PATH)', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'clawback-fakeapt-'));
    const calls = path.join(bin, 'calls.txt');
    const log = path.join(bin, 'apt.log');
    writeFileSync(path.join(bin, 'apt-get'), `#!/bin/sh\necho "apt-get $*" >> ${calls}\necho "Reading package lists... FAKE-APT-NOISE"\n`);
    writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(path.join(bin, 'apt-get'), 0o755);
    chmodSync(path.join(bin, 'sudo'), 0o755);
    const r = runScript({ PATH: bin, CLAWBACK_APT_LOG: log });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/installing with apt-get: .*tmux.* \(apt output: .*apt\.log; set CLAWBACK_SKIP_APT=1 to skip\)/);
    expect(r.out).toMatch(/installed: .*etcd-server/);
    expect(r.out).not.toContain('FAKE-APT-NOISE');
    expect(existsSync(log) && readFileSync(log, 'utf8')).toContain('FAKE-APT-NOISE');
    expect(readFileSync(calls, 'utf8')).toMatch(/apt-get update\napt-get install -y --no-install-recommends .*tmux/);
  });
});
