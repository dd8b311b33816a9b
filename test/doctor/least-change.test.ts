// Repair by least change, candidates ranked by trust then age, protected settings kept: on real files and a real validator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { rankCandidates, isServiceLastGood } from '../../src/doctor/restore-candidates.js';
import { unknownKeyPaths, withoutPaths } from '../../src/doctor/named-keys.js';
import { pathMatches } from '../../src/doctor/config-paths.js';
import { carryOver, protectedChanges } from '../../src/doctor/protected-settings.js';
import { semanticDiff } from '../../src/doctor/semantic-diff.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Like `openclaw config validate --json`: exit 1 with issues[{path,message}] for unknown keys (zod style) or a bad port. */
const STRICT_VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issues = [];
for (const k of Object.keys(cfg)) if (!['name','host','port','auth'].includes(k)) issues.push({ path: '<root>', message: 'Unrecognized key: "' + k + '"' });
for (const k of Object.keys(cfg.auth ?? {})) if (!['mode','token'].includes(k)) issues.push({ path: 'auth', message: 'Unrecognized key: "' + k + '"' });
// A missing port is reported with no path (so a test can need a whole-file restore); a bad one by its path.
if (cfg.port === undefined) issues.push({ message: 'a required setting is missing' });
else if (!Number.isInteger(cfg.port)) issues.push({ path: 'port', message: 'Expected number' });
if (issues.length) { process.stdout.write(JSON.stringify({ valid: false, issues }, null, 2)); process.exit(1); }
process.stdout.write(JSON.stringify({ valid: true }));
`;

const cfg = (port: number, token?: string, extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port, ...(token ? { auth: { mode: 'token', token } } : {}), ...extra }, null, 2)}\n`;

async function setMtime(file: string, msAgo: number): Promise<void> {
  const t = new Date(Date.now() - msAgo);
  await fs.utimes(file, t, t);
}

describe('pure parts', () => {
  it('paths: a pattern protects itself and everything below; * within a key, ** at any depth', () => {
    expect(pathMatches('gateway.auth', 'gateway.auth.token')).toBe(true);
    expect(pathMatches('gateway.auth.*', 'gateway.auth.token')).toBe(true);
    expect(pathMatches('gateway.port', 'gateway.portal')).toBe(false);
    expect(pathMatches('channels.**.*token', 'channels.telegram.botToken')).toBe(true);
    expect(pathMatches('channels.**.*token', 'channels.telegram.accounts.work.botToken')).toBe(true);
    expect(pathMatches('channels.**.*token', 'channels.telegram.enabled')).toBe(false);
    const oc = [...OPENCLAW_PROTECTED_SETTINGS];
    const before = { gateway: { port: 1, bind: 'loopback', auth: { token: 't' } }, channels: { discord: { token: 'd', enabled: true } }, models: { providers: { openai: { apiKey: 'k' } } } };
    const after = { gateway: { port: 2, bind: 'loopback' }, channels: { discord: { enabled: false } }, models: { providers: { openai: {} } } };
    expect(protectedChanges(before, after, oc)).toEqual([
      { path: 'channels.discord.token', change: 'removed' },
      { path: 'gateway.auth.token', change: 'removed' },
      { path: 'gateway.port', change: 'changed' },
      { path: 'models.providers.openai.apiKey', change: 'removed' },
    ]);
    expect(carryOver(after, before, oc).carried.sort()).toEqual(['channels.discord.token', 'gateway.auth.token', 'gateway.port', 'models.providers.openai.apiKey']);
    expect(semanticDiff(before, after)).toEqual({
      added: ['models.providers.openai'],
      removed: ['channels.discord.token', 'gateway.auth.token', 'models.providers.openai.apiKey'],
      changed: ['channels.discord.enabled', 'gateway.port'],
      truncated: false,
    });
  });

  it('the service\'s own doctor runs with a valid config after an exit code the service uses for "fix my config" (78), or on a later run', async () => {
    const { serviceDoctorAlways } = await import('../../src/daemon/doctor-wiring.js');
    const { serviceSchema } = await import('../../src/config/schema.js');
    const svc = serviceSchema.parse({ name: 'gw', command: ['x'], doctor: { command: ['fix'] } });
    expect(serviceDoctorAlways(svc, 1, 78)).toBe(true);
    expect(serviceDoctorAlways(svc, 1, 1)).toBe(false);
    expect(serviceDoctorAlways(svc, 1, null)).toBe(false);
    expect(serviceDoctorAlways(svc, 2, null)).toBe(true);
    expect(serviceDoctorAlways(serviceSchema.parse({ name: 'gw', command: ['x'] }), 2, 78)).toBe(false);
  });

  it('ranking: trusted copies (Clawback snapshot, service last-good) newest first, then .bak newest first', () => {
    const ranked = rankCandidates([
      { trust: 'backup' as const, time: 900, ref: 'openclaw.json.bak' },
      { trust: 'healthy' as const, time: 100, ref: 'snap-old' },
      { trust: 'service-last-good' as const, time: 500, ref: 'openclaw.json.last-good' },
      { trust: 'backup' as const, time: 800, ref: 'openclaw.json.bak.1' },
      { trust: 'healthy' as const, time: 300, ref: 'snap-new' },
    ]);
    expect(ranked.map((c) => c.ref)).toEqual(['openclaw.json.last-good', 'snap-new', 'snap-old', 'openclaw.json.bak', 'openclaw.json.bak.1']);
    expect(isServiceLastGood('/x/openclaw.json.last-good')).toBe(true);
    expect(isServiceLastGood('/x/openclaw.json.bak.2')).toBe(false);
  });

  it('named keys: openclaw --json issues (zod: parent path + quoted key) and plain "path: unknown key" lines; anything else: none', () => {
    const oc = JSON.stringify({ valid: false, issues: [{ path: 'gateway', message: 'Unrecognized key: "bogusKey"' }, { path: '<root>', message: 'Unrecognized key: "notAKey"' }] });
    expect(unknownKeyPaths(oc, '')).toEqual(['gateway.bogusKey', 'notAKey']);
    expect(unknownKeyPaths('', 'demo-gateway: config invalid: /x/gateway.json: faults.extra: unknown key (allowed: enabled)\n')).toEqual(['faults.extra']);
    expect(unknownKeyPaths(JSON.stringify({ issues: [{ path: 'gateway', message: 'Unrecognized key: "x"' }, { path: 'port', message: 'Expected number' }] }), '')).toBeUndefined();
    expect(unknownKeyPaths('', 'port must be an integer')).toBeUndefined();
    expect(withoutPaths({ a: { b: 1, c: 2 }, d: 3 }, ['a.b', 'zz'])).toEqual({ value: { a: { c: 2 }, d: 3 }, removed: ['a.b'] });
  });
});

describe('config repair by least change', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.last-good', 'gateway.json.bak', 'gateway.json.bak.*'] });
    const strict = await fx.script('strict-validator.mjs', STRICT_VALIDATOR);
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, strict, '{file}'], protect: ['auth', 'port'] } });
  });
  afterEach(() => fx.cleanup());

  const saveSnapshot = (content: string) => fx.snapshots.save(Buffer.from(content), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });

  it('an unknown key is removed and nothing else changes, although a snapshot and a .bak exist (issue 1)', async () => {
    await saveSnapshot(cfg(18789)); // an older snapshot without the token
    await fs.writeFile(path.join(fx.dir, 'gateway.json.bak'), cfg(18789)); // OpenClaw's copy from before its last write: no token
    await fs.writeFile(fx.configPath, cfg(18789, 'tok-1', { bogus: { deep: 1 } }));
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(1);
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ method: 'remove-named-keys', removed: ['bogus'], semanticDiff: { removed: ['bogus.deep'], changed: [], added: [] } });
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual(JSON.parse(cfg(18789, 'tok-1')));
    expect(JSON.stringify(fx.events)).not.toContain('tok-1');
  });

  it('the service\'s own doctor runs first; when it drops the token it is rolled back and the key removal follows', async () => {
    await fs.writeFile(fx.configPath, cfg(18789, 'tok-2', { bogus: 1 }));
    const doctor = await fx.script('token-dropping-doctor.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(process.argv[2], ${JSON.stringify(cfg(18789))});`);
    fx.withService({ doctor: { command: [process.execPath, doctor, fx.configPath] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details!.method).toBe('remove-named-keys');
    expect(String((out.details!.attempts as string[])[0])).toMatch(/service doctor: service doctor damaged the config; rolled back.*removed auth\.mode, removed auth\.token/);
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual(JSON.parse(cfg(18789, 'tok-2')));
  });

  it('a newer service last-good beats an older Clawback snapshot (issue 2); the journal lists candidates with ages and why', async () => {
    await saveSnapshot(cfg(18789, 'tok'));
    const lastGood = path.join(fx.dir, 'gateway.json.last-good');
    await fs.writeFile(lastGood, cfg(19001, 'tok'));
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","po'); // truncated
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8')).port).toBe(19001);
    expect(out.details).toMatchObject({ method: 'restore', source: 'service-last-good', from: lastGood });
    const candidates = out.details!.candidates as Array<{ source: string; ageSeconds: number; verdict: string }>;
    expect(candidates.map((c) => c.source)).toEqual(['service-last-good']);
    expect(candidates[0]!.verdict).toBe('chosen');
    expect(typeof candidates[0]!.ageSeconds).toBe('number');
    expect(String(out.details!.why)).toMatch(/service's own last-good copy/);
  });

  it('a stale .bak newer than the snapshot ranks below it; a whole-file restore carries the broken file\'s protected settings over', async () => {
    await saveSnapshot(cfg(18789, 'old-token'));
    const bak = path.join(fx.dir, 'gateway.json.bak');
    await fs.writeFile(bak, cfg(18789)); // newer than the snapshot, no token: ranks below it anyway
    await setMtime(bak, -5_000);
    // No port at all, and the validator names no path for it: nothing can be put back on its own, so the whole file is restored.
    await fs.writeFile(fx.configPath, JSON.stringify({ name: 'demo-gateway', host: 'localhost', auth: { mode: 'token', token: 'new-token' } }));
    fx.withService({ configFile: { ...fx.service.configFile, protect: ['auth'] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details).toMatchObject({ method: 'restore', source: 'snapshot', carried: ['auth.token'] });
    const now = JSON.parse(await fs.readFile(fx.configPath, 'utf8'));
    expect(now).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, auth: { mode: 'token', token: 'new-token' } });
    const candidates = out.details!.candidates as Array<{ source: string; verdict: string }>;
    expect(candidates[0]!.source).toBe('snapshot');
    expect(out.details!.semanticDiff).toMatchObject({ added: ['port'], changed: ['host'] });
    expect(JSON.stringify(out.details)).not.toContain('new-token');
  });

  it('one doctor run validates the same bytes once (a real validator can take 30 s)', async () => {
    const { spawnRunner } = await import('../../src/doctor/command-runner.js');
    const { serviceDoctorRule } = await import('../../src/doctor/rule-service-doctor.js');
    const real = spawnRunner();
    const argvs: string[][] = [];
    const runner: typeof real = (argv, o) => {
      argvs.push([...argv]);
      return real(argv, o);
    };
    await fs.writeFile(fx.configPath, cfg(18789, 'tok', { bogus: 1 }));
    const report = await runDoctor(fx.ctx({ runner }), { fix: true, rules: [configRestoreRule(), serviceDoctorRule({ configRepairedElsewhere: true })] });
    expect(report.exitCode).toBe(1);
    // detect + fix + verify of config-restore and detect of service-doctor on the broken bytes: 1 run; the repaired bytes: 1 run.
    expect(argvs.filter((a) => a.some((x) => x.endsWith('strict-validator.mjs')))).toHaveLength(2);
  });

  it('a file that does not parse: a newer trusted copy that lost the token is refused for an older trusted one that has it', async () => {
    await saveSnapshot(cfg(18789, 'kept-token'));
    const lastGood = path.join(fx.dir, 'gateway.json.last-good');
    await fs.writeFile(lastGood, cfg(18789)); // newer, but without the token
    await fs.writeFile(fx.configPath, '{ not json');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(out.details!.source).toBe('snapshot');
    const candidates = out.details!.candidates as Array<{ source: string; verdict: string }>;
    expect(candidates[0]).toMatchObject({ source: 'service-last-good' });
    expect(candidates[0]!.verdict).toMatch(/^refused: lacks protected auth\.mode, auth\.token/);
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8')).auth.token).toBe('kept-token');
  });

  it('a parsing file whose own protected value is what the validator rejects: no copy overrides it; nothing written, a person decides', async () => {
    await saveSnapshot(cfg(18789, 'tok'));
    const broken = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'x', auth: { mode: 'token', token: 'tok' } });
    await fs.writeFile(fx.configPath, broken);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(2);
    const out = report.outcomes[0]!;
    expect(out.applied).toBe(false);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(broken);
    const candidates = out.details!.candidates as Array<{ source: string; verdict: string }>;
    expect(candidates[0]).toMatchObject({ source: 'snapshot' });
    expect(candidates[0]!.verdict).toMatch(/^refused: invalid with the broken file's protected settings in it \(port\)/);
  });
});
