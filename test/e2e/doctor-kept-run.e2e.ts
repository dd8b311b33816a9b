// End to end on the real OpenClaw gateway: a crash loop that `openclaw doctor --fix` really ends (it disables the skill
// that crashed the gateway) is kept, and what the kept run changed beyond that is said, with where the original is.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { OPENCLAW_AVAILABLE, e2eClawbackConfig, gatewayHome, killLeftovers, removeCaseDir, type GatewayHome } from './openclaw-harness.js';

const TOKEN = 'e2e-user-token-7c2e19';

describe.skipIf(!OPENCLAW_AVAILABLE)('OpenClaw: a kept service doctor run', () => {
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

  it('a skill that crashes the gateway: openclaw doctor disables it and the gateway is healthy; the kept run is reported with what else it changed', async () => {
    const port = await freePort();
    g = gatewayHome(port);
    const gh = g;
    const config = `// my gateway\n{\n  gateway: { mode: 'local', bind: 'loopback', port: ${port}, auth: { mode: 'token', token: '${TOKEN}' } }, // keep\n  logging: { file: '${path.join(gh.home, 'openclaw-log.jsonl')}' },\n  update: { checkOnStart: false },\n  // my skills\n  skills: { entries: { weather: { enabled: true }, github: { enabled: true } } },\n}\n`;
    writeFileSync(gh.configPath, config, { mode: 0o600 });
    // The gateway crashes while the github skill is enabled (its binary is missing here): what the doctor's fix ends.
    const preload = path.join(gh.dir, 'skill-crash.cjs');
    writeFileSync(preload, `if (process.argv.includes('gateway') && /github:\\s*\\{\\s*"?enabled"?:\\s*true/.test(require('fs').readFileSync(${JSON.stringify(gh.configPath)}, 'utf8').replace(/"github"/g, 'github'))) { console.error('skill github: binary missing'); process.exit(3); }\n`);
    const cfg = e2eClawbackConfig(gh, port);
    const svc = cfg.services[0]!;
    svc.env = { ...(svc.env as Record<string, string>), NODE_OPTIONS: `--require ${preload}` };
    svc.restart = { ...(svc.restart as Record<string, unknown>), backoff: { initial: '200ms', max: '1s' }, intensity: { maxRestarts: 3, window: '10m' } };
    svc.doctor = { ...(svc.doctor as Record<string, unknown>), confirmAfter: '20s', attempts: 1 };
    td = await startTestDaemon(cfg, { dir: gh.dir });
    const t = td;
    await waitFor(() => t.journal().some((e) => e.type === 'incident.action' && /doctor-(kept|confirmed|reverted)/.test(String(e.details?.action))) || t.journal().some((e) => e.type === 'incident.resolved'), { timeoutMs: 500_000, intervalMs: 1000, message: 'the doctor run judged' });
    const msgs = t.journal().filter((e) => e.type.startsWith('doctor') || e.type.startsWith('incident')).map((e) => e.message);
    // Kept: the gateway is healthy on the doctor's settings, written onto the user's own text (comments kept).
    expect(t.journal().some((e) => e.type === 'incident.action' && e.details?.action === 'doctor-kept'), msgs.join('\n')).toBe(true);
    const text = readFileSync(gh.configPath, 'utf8');
    expect(text).toContain('// my gateway');
    expect(text).toContain('// my skills');
    expect(JSON5.parse(text).skills.entries.github.enabled).toBe(false);
    expect(JSON5.parse(text).gateway.auth.token).toBe(TOKEN);
    // And the journal says what else it switched off, the user's own github first, and where the original is.
    const repair = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.rule === 'service-doctor');
    process.stdout.write(`doctor.repair: ${repair?.message}\n`);
    expect(repair?.message).toMatch(/switched off \d+ setting\(s\): skills\.entries\.github \(enabled in your config\)/);
    expect(repair?.message).toMatch(/the original is snapshot \S+ \(/);
    expect(repair?.message).toContain('put onto your own text');
    // What it did beside the config (its state database, keys) stays with the kept run, and the kept message says so.
    const kept = t.journal().find((e) => e.type === 'incident.action' && e.details?.action === 'doctor-kept');
    process.stdout.write(`doctor-kept: ${kept?.message}\n`);
    expect(kept?.message).toMatch(/what it did besides: .*beside its config in /);
  }, 600_000);
});
