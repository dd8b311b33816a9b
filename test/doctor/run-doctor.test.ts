import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultRules, doctorExitCode, runDoctor } from '../../src/doctor/run-doctor.js';
import { sha256 } from '../../src/platform/config-file.js';
import type { RepairRule } from '../../src/doctor/types.js';
import { preflightRule } from '../../src/doctor/rule-preflight.js';
import { GOOD_CONFIG, makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

/** Tests must not depend on the free space of the machine they run on. */
const plenty = async (): Promise<{ freeBytes: number; totalBytes: number }> => ({ freeBytes: 100e9, totalBytes: 200e9 });

describe('runDoctor', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('healthy service: exit 0, no events, nothing written', async () => {
    const report = await runDoctor(fx.ctx(), { fix: true, rules: defaultRules({ diskSpace: { statfs: plenty } }) });
    expect(report).toEqual({ findings: [], outcomes: [], exitCode: 0 });
    expect(fx.events).toEqual([]);
    expect(await fx.snapshots.list()).toEqual([]);
  });

  it('default rules fix dirs, a stale pid file and the config in order, journaling each step', async () => {
    await recordGood(fx);
    const dataDir = path.join(fx.dir, 'data');
    const pidFile = path.join(fx.dir, 'gateway.pid');
    await fs.writeFile(pidFile, '999999999\n');
    fx.withService({ requiredDirs: [dataDir], pidFiles: [pidFile] });
    await fs.writeFile(fx.configPath, '{"port":');

    const report = await runDoctor(fx.ctx(), { fix: true, incidentId: 'inc-1', rules: defaultRules({ diskSpace: { statfs: plenty } }) });
    expect(report.findings.map((f) => f.rule)).toEqual(['missing-dirs', 'stale-pidfile', 'config-restore']);
    expect(report.outcomes.every((o) => o.applied && o.verified)).toBe(true);
    expect(report.exitCode).toBe(1);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);

    const types = fx.events.map((e) => e.type);
    expect(types.filter((t) => t === 'doctor.finding')).toHaveLength(3);
    expect(types.filter((t) => t === 'doctor.repair')).toHaveLength(3);
    for (const e of fx.events) expect(e).toMatchObject({ service: 'gateway', incidentId: 'inc-1', level: 2 });
    const configRepair = fx.events.find((e) => e.type === 'doctor.repair' && e.details!.rule === 'config-restore')!;
    expect(configRepair.severity).toBe('resolved');
    expect(configRepair.details).toMatchObject({ before: sha256('{"port":'), after: sha256(GOOD_CONFIG) });
  });

  it('dry run (fix: false) reports and changes nothing; exit 2', async () => {
    await recordGood(fx);
    await fs.writeFile(fx.configPath, '{"port":');
    const report = await runDoctor(fx.ctx(), { fix: false, rules: defaultRules({ diskSpace: { statfs: plenty } }) });
    expect(report.exitCode).toBe(2);
    expect(report.outcomes).toEqual([]);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe('{"port":');
    expect(fx.events.map((e) => e.type)).toEqual(['doctor.finding']);
  });

  it('a rule that throws becomes a finding; a fix that throws becomes a failed outcome', async () => {
    const broken: RepairRule = {
      id: 'broken',
      detect: async () => {
        throw new Error('boom');
      },
      fix: async (_c, f) => ({ finding: f, applied: false, verified: false, message: '' }),
      verify: async () => false,
    };
    const failing: RepairRule = {
      id: 'failing',
      detect: async () => [{ id: 'failing:x', rule: 'failing', severity: 'warning', title: 't', evidence: 'e', fixable: true }],
      fix: async () => {
        throw new Error('disk on fire');
      },
      verify: async () => false,
    };
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [broken, failing] });
    expect(report.findings.map((f) => f.id)).toEqual(['broken:error', 'failing:x']);
    expect(report.outcomes[0]).toMatchObject({ applied: false, verified: false, message: 'fix failed: disk on fire' });
    expect(report.exitCode).toBe(2);
  });

  it('an aborted run stops before the next rule', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const rule = (id: string): RepairRule => ({
      id,
      detect: async () => {
        seen.push(id);
        if (id === 'first') ac.abort();
        return [];
      },
      fix: async (_c, f) => ({ finding: f, applied: false, verified: false, message: '' }),
      verify: async () => true,
    });
    await runDoctor(fx.ctx({ signal: ac.signal }), { fix: true, rules: [rule('first'), rule('second')] });
    expect(seen).toEqual(['first']);
  });

  it('preflightRule reports start-blockers no repair can fix', async () => {
    fx.withService({ command: [path.join(fx.dir, 'missing-binary')], requiredEnv: ['CLAWBACK_NO_SUCH_VAR'] });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [preflightRule()] });
    expect(report.findings.map((f) => f.rule)).toEqual(['preflight.command', 'preflight.env']);
    expect(report.exitCode).toBe(2);
  });

  it('doctorExitCode', () => {
    const f = { id: 'a:1', rule: 'a', severity: 'info' as const, title: '', evidence: '', fixable: true };
    expect(doctorExitCode([], [])).toBe(0);
    expect(doctorExitCode([f], [{ finding: f, applied: true, verified: true, message: '' }])).toBe(1);
    expect(doctorExitCode([f], [{ finding: f, applied: true, verified: false, message: '' }])).toBe(2);
    expect(defaultRules().map((r) => r.id)).toEqual(['missing-dirs', 'stale-pidfile', 'stale-lock', 'openclaw-state-owner', 'broken-install', 'config-restore', 'openclaw-gateway-mode', 'port-holder', 'disk-space', 'service-doctor']);
  });
});
