import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { serviceSchema } from '../../src/config/schema.js';
import { updateSchema } from '../../src/update/update-schema.js';
import { holdBlocker, planUpdate, retarget, runsThrough, validateArgv, watchVerdict } from '../../src/update/update-plan.js';
import { openclawService } from '../../src/presets/openclaw.js';

const P = { watchMs: 10_000, settleMs: 2_000, crashLoopExits: 2 };

describe('watchVerdict (pure)', () => {
  it('waits, succeeds after settle, and rolls back on exit 78, a crash loop or no readiness in time', () => {
    expect(watchVerdict({ startedAt: 0, now: 1_000, exits: [], readySince: null }, P)).toEqual({ kind: 'wait' });
    expect(watchVerdict({ startedAt: 0, now: 3_000, exits: [], readySince: 2_000 }, P)).toEqual({ kind: 'wait' });
    expect(watchVerdict({ startedAt: 0, now: 4_000, exits: [], readySince: 2_000 }, P)).toEqual({ kind: 'ok' });
    expect(watchVerdict({ startedAt: 0, now: 500, exits: [{ code: 78, signal: null, time: 400 }], readySince: null }, P)).toMatchObject({ kind: 'rollback', reason: expect.stringContaining('78') });
    const loop = watchVerdict({ startedAt: 0, now: 900, exits: [{ code: 1, signal: null, time: 300 }, { code: null, signal: 'SIGSEGV', time: 800 }], readySince: null }, P);
    expect(loop).toMatchObject({ kind: 'rollback', reason: expect.stringMatching(/crash loop: 2 exits.*SIGSEGV/) });
    expect(watchVerdict({ startedAt: 0, now: 1_000, exits: [{ code: 1, signal: null, time: 300 }], readySince: null }, P)).toEqual({ kind: 'wait' });
    expect(watchVerdict({ startedAt: 0, now: 10_000, exits: [], readySince: null }, P)).toMatchObject({ kind: 'rollback', reason: expect.stringContaining('readiness failure') });
  });
});

describe('planUpdate (pure)', () => {
  const dir = '/v';
  const svc = (command: string[]) =>
    serviceSchema.parse({ name: 'gw', command, configFile: { path: '/c/oc.json', format: 'json5', validateCommand: ['/usr/bin/env', 'OPENCLAW_CONFIG_PATH={file}', 'node', '/v/current/node_modules/openclaw/openclaw.mjs', 'config', 'validate'] }, update: {} });
  it('runs the validator of the NEW tree on the live config; blocks what a switch could not change', () => {
    const s = svc(['node', '/v/current/node_modules/openclaw/openclaw.mjs', 'gateway', 'run']);
    expect(runsThrough(s.command, '/v/current')).toBe(true);
    expect(validateArgv(s, '/v/current', '/v/2026.9.6')).toEqual(['/usr/bin/env', 'OPENCLAW_CONFIG_PATH=/c/oc.json', 'node', '/v/2026.9.6/node_modules/openclaw/openclaw.mjs', 'config', 'validate']);
    expect(retarget(['--x=/v/current/a'], '/v/current', '/v/1')).toEqual(['--x=/v/1/a']);
    const plan = planUpdate({ service: s, update: updateSchema.parse({}), dir, from: '2026.9.5', to: '2026.9.6', installed: false, readyUrl: 'http://127.0.0.1:1/readyz', backupDir: '/b' });
    expect(plan.blockers).toEqual([]);
    expect(plan.steps.map((x) => x.step)).toEqual(['install', 'validate', 'stop', 'backup', 'switch', 'start', 'watch', 'prune']);
    const elsewhere = planUpdate({ service: svc(['openclaw', 'gateway', 'run']), update: updateSchema.parse({}), dir, from: undefined, to: '2026.9.5', installed: false, readyUrl: undefined, backupDir: '/b' });
    expect(elsewhere.blockers.join(' | ')).toMatch(/does not run through \/v\/current.*\| .*does not exist/);
  });
});

describe('the OpenClaw preset', () => {
  it('lists the gateway lock files, and with `versions` runs current and carries an update key that validates', () => {
    const plain = serviceSchema.parse(openclawService({ home: '/h' }));
    expect(plain.lockFiles).toEqual(['/h/.openclaw/tmp/openclaw-*/gateway.*.lock']);
    expect(plain.update).toBeUndefined();
    const v = serviceSchema.parse(openclawService({ home: '/h', stateDir: '/s', versions: { dir: '/vv', node: '/n24/bin/node' } }));
    expect(v.command.slice(0, 2)).toEqual(['/n24/bin/node', path.join('/vv', 'current', 'node_modules', 'openclaw', 'openclaw.mjs')]);
    expect(v.configFile?.validateCommand).toContain('/vv/current/node_modules/openclaw/openclaw.mjs');
    expect(v.update).toMatchObject({ package: 'openclaw', dir: '/vv', pathPrefix: ['/n24/bin'], stateFiles: ['/s/state/openclaw.sqlite*', '/s/agents/*/agent/openclaw-agent.sqlite*'] });
    expect(v.lockFiles).toEqual(['/s/tmp/openclaw-*/gateway.*.lock']);
  });
});

describe('holdBlocker (pure): the reducer state decides whether an update may touch the service', () => {
  it('free: allowed; held: refused unless forced; a repair at work: refused even forced', () => {
    expect(holdBlocker('gw', { held: null, work: null }, false)).toBeUndefined();
    const held = { held: { reason: 'crash-loop', detail: '3 restarts in 1m' }, work: null };
    expect(holdBlocker('gw', held, false)).toMatch(/gw is held \(crash-loop: 3 restarts in 1m\).*`clawback resume gw`.*--force/);
    expect(holdBlocker('gw', held, true)).toBeUndefined();
    for (const kind of ['doctor', 'agent', 'revert']) {
      expect(holdBlocker('gw', { held: { reason: 'repair', detail: 'x' }, work: { kind, id: 'run-1' } }, true)).toMatch(new RegExp(`a ${kind} run at work on it \\(run-1\\)`));
    }
    // A verification window or a pending approval is no repair at work: a person's update goes ahead.
    expect(holdBlocker('gw', { held: null, work: { kind: 'verify', id: 'v' } }, false)).toBeUndefined();
  });
});
