// The test prerequisites step says what is missing and what it installs, honours CLAWBACK_SKIP_APT=1, and never
// installs silently (apt's output goes to a file it names). Run with a PATH that hides the tools; nothing is installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
});
