// A clawback.yaml written by an older `clawback init --preset openclaw` has no restart.humanOnlyPattern (and, before
// 2026-12-03, no selfRestartPattern): the gateway's "Refusing to bind gateway to lan without auth" (exit 78) then ran the
// whole doctor ladder (the real doctor rewrote the config and could not help), and its own restart (exit 0) was a crash.
// Loaded today, such a file gets the preset's patterns; a value the file sets wins, even "" (off).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { policyFor } from '../../src/decide/policy.js';
import { openclawService } from '../../src/presets/openclaw.js';
import { testPolicy } from '../decide/policy-fixture.js';
import { ReducerDrive } from '../decide/drive.js';

// The real gateway's last lines (openclaw 2026.9.6, `gateway run --bind lan`, no auth), exit 78.
const REFUSED_TAIL = [
  '2026-12-05T01:51:57.878+00:00 Refusing to bind gateway to lan without auth.',
  'Set OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD, or pass --token/--password to start with auth.',
];
const SELF_RESTART_TAIL = ['2026-12-05T04:49:38.853+00:00 [gateway] restart mode: full process restart (supervisor restart)'];

/** The preset's service as an older init wrote it: the restart keys named here absent, or set to `set`. */
function olderFile(restart: Record<string, string | undefined>): string {
  const svc = openclawService({ openclaw: ['/opt/node24/bin/node', '/opt/openclaw/openclaw.mjs'], home: '/tmp/x', port: 28999 });
  const r = svc.restart as Record<string, unknown>;
  for (const [k, v] of Object.entries(restart)) {
    if (v === undefined) delete r[k];
    else r[k] = v;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-older-patterns-'));
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, YAML.stringify({ stateDir: path.join(dir, 'state'), services: [svc] }));
  return file;
}

function loadedPolicy(file: string): ReturnType<typeof policyFor> {
  const { config } = loadConfig({ file, env: {} });
  return policyFor(config.services[0]!, { doctor: true, agent: false });
}

function exit78(humanOnlyPattern: string | undefined): ReducerDrive {
  const d = new ReducerDrive(testPolicy(humanOnlyPattern ? { humanOnlyPattern } : {}));
  d.at(0, { type: 'boot', adopted: null });
  d.at(0, { type: 'started', instance: { pid: 100, pidStartTime: 1, startedAt: 0 }, reason: 'boot' });
  d.at(5_300, { type: 'exited', pid: 100, code: 78, signal: null, at: 5_300, statusKnown: true, lastLines: REFUSED_TAIL });
  return d;
}

describe('an OpenClaw service from an older init', () => {
  it('without humanOnlyPattern: the refusal to bind without auth goes to a human, not to the doctor', () => {
    const p = loadedPolicy(olderFile({ humanOnlyPattern: undefined, selfRestartPattern: undefined }));
    expect(p.humanOnlyPattern).toBe((openclawService().restart as { humanOnlyPattern: string }).humanOnlyPattern);
    expect(p.selfRestartPattern).toBe((openclawService().restart as { selfRestartPattern: string }).selfRestartPattern);
    const d = exit78(p.humanOnlyPattern);
    expect(d.types()).not.toContain('run-doctor');
    expect(d.state.incident?.level).toBe(4);
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(new RegExp(p.selfRestartPattern!).test(SELF_RESTART_TAIL[0]!)).toBe(true);
  });

  it('a value the file sets wins, and "" turns it off (the refusal then goes to the doctor as before)', () => {
    expect(loadedPolicy(olderFile({ humanOnlyPattern: 'my own words' })).humanOnlyPattern).toBe('my own words');
    const off = loadedPolicy(olderFile({ humanOnlyPattern: '', selfRestartPattern: '' }));
    expect(off.humanOnlyPattern).toBeUndefined();
    expect(off.selfRestartPattern).toBeUndefined();
    expect(exit78(off.humanOnlyPattern).types()).toContain('run-doctor');
  });

  it('only a gateway Clawback spawns: a plain service (no openclaw block) gets nothing', () => {
    const file = olderFile({ humanOnlyPattern: undefined, selfRestartPattern: undefined });
    const raw = YAML.parse(readFileSync(file, 'utf8')) as { services: Array<Record<string, unknown>> };
    delete raw.services[0]!.openclaw;
    writeFileSync(file, YAML.stringify(raw));
    const p = loadedPolicy(file);
    expect(p.humanOnlyPattern).toBeUndefined();
    expect(p.selfRestartPattern).toBeUndefined();
  });
});
