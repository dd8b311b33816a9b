// End to end on the real OpenClaw gateway: a crash loop no rule knows the cause of runs `openclaw doctor --fix`, and
// when the service still does not come back, what that doctor changed (the config and the backup chain it rotated) is put back.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { OPENCLAW_AVAILABLE, e2eClawbackConfig, gatewayHome, killLeftovers, removeCaseDir, type GatewayHome } from './openclaw-harness.js';

const TOKEN = 'e2e-user-token-4b1d07';

describe.skipIf(!OPENCLAW_AVAILABLE)('OpenClaw: the service doctor after "nothing found"', () => {
  let td: TestDaemon | undefined;
  let g: GatewayHome | undefined;
  afterEach(async () => {
    await td?.stop();
    const left = g ? await killLeftovers(g.home) : [];
    removeCaseDir(g);
    td = undefined;
    g = undefined;
    expect(left).toEqual([]);
  });

  it('a crash loop from a broken preload: openclaw doctor rewrites the valid config; it does not hold, so the config and its backup chain are put back', async () => {
    const port = await freePort();
    g = gatewayHome(port);
    const gh = g;
    // The user's config with comments and a token, and their own backup chain of five distinct copies.
    const config = `// my gateway\n{\n  gateway: { mode: 'local', bind: 'loopback', port: ${port}, auth: { mode: 'token', token: '${TOKEN}' } }, // keep\n  logging: { file: '${path.join(gh.home, 'openclaw-log.jsonl')}' },\n  update: { checkOnStart: false },\n}\n`;
    writeFileSync(gh.configPath, config, { mode: 0o600 });
    const chain = ['', '.1', '.2', '.3', '.4'].map((s) => `${gh.configPath}.bak${s}`);
    chain.forEach((f, i) => writeFileSync(f, `// the user's copy ${i}\n{ gateway: { mode: 'local', bind: 'loopback', port: ${port} } }\n`, { mode: 0o600 }));
    const chainBefore = chain.map((f) => readFileSync(f, 'utf8'));
    // A cause none of Clawback's rules knows: a preload (NODE_OPTIONS) that throws in the gateway, not in the doctor.
    const preload = path.join(gh.dir, 'broken-preload.cjs');
    writeFileSync(preload, "if (process.argv.includes('gateway')) { console.error('preload: broken environment'); process.exit(3); }\n");
    const cfg = e2eClawbackConfig(gh, port);
    const svc = cfg.services[0]!;
    svc.env = { ...(svc.env as Record<string, string>), NODE_OPTIONS: `--require ${preload}` };
    svc.restart = { ...(svc.restart as Record<string, unknown>), backoff: { initial: '200ms', max: '1s' }, intensity: { maxRestarts: 3, window: '10m' } };
    svc.doctor = { ...(svc.doctor as Record<string, unknown>), confirmAfter: '20s', attempts: 1 };
    td = await startTestDaemon(cfg, { dir: gh.dir });
    const t = td;
    await waitFor(() => t.journal().some((e) => e.type === 'incident.action' && e.details?.action === 'doctor-reverted'), { timeoutMs: 500_000, intervalMs: 1000, message: 'the doctor run reverted' });
    const msgs = t.journal().filter((e) => e.type.startsWith('doctor') || e.type.startsWith('incident')).map((e) => e.message);
    process.stdout.write(`journal:\n${msgs.join('\n')}\n`);
    const serviceDoctor = t.journal().filter((e) => e.type === 'doctor.repair' && e.details?.rule === 'service-doctor');
    expect(serviceDoctor.length, msgs.join('\n')).toBeGreaterThan(0);
    expect(readFileSync(gh.configPath, 'utf8')).toBe(config);
    expect(chain.map((f) => readFileSync(f, 'utf8'))).toEqual(chainBefore);
    // The journal names each file put back: the config and every copy of the chain the doctor rotated.
    const undone = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.undone === true);
    const reverted = (undone?.details?.reverted as string[] | undefined) ?? [];
    for (const f of [gh.configPath, ...chain]) expect(reverted.some((r) => r.startsWith(`${f} `)), `${f} in ${JSON.stringify(reverted)}`).toBe(true);
    // What it migrated beside the config (its state database) is not put back, and the journal says so.
    const done = t.journal().find((e) => e.type === 'incident.action' && e.details?.action === 'doctor-reverted');
    process.stdout.write(`doctor-reverted: ${done?.message}\n`);
    expect(String(done?.details?.otherRepairs)).toMatch(/beside its config in .*state\/openclaw\.sqlite/);
  }, 600_000);
});
