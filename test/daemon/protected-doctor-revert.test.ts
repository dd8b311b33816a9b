// A protected-looking key the service's own doctor added (skills.entries.1password.enabled, under "**.*password*") and
// Clawback took out again when it reverted that failed run was warned of as "removed" from the person's config: a false
// alarm about credentials the person never had. A removal is measured against the person's config, not a repair's
// intermediate write; a person's own removal is still warned of.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { protectedRemovedFindings } from '../helpers/protected-gateway.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const userConfig = `{\n  // mine\n  gateway: { mode: 'local', auth: { password: 'pw-secret-4471' } },\n}\n`;

describe("a protected key only a reverted doctor run ever wrote", () => {
  it('is not warned of as removed; a person removing their own password still is', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'openclaw.json5');
    const bad = path.join(dir, 'bad');
    writeFileSync(cfg, userConfig, { mode: 0o600 });
    const check = `process.exit(require('node:fs').existsSync(${JSON.stringify(bad)}) ? 1 : 0)`;
    // The service's own doctor: adds a key the default patterns protect, says it repaired (exit 0), and takes a few
    // seconds (so the daemon reads its write); the service stays broken, so its run is reverted.
    const doctor = `const fs = require('node:fs'); const f = ${JSON.stringify(cfg)};
      fs.writeFileSync(f, JSON.stringify({ gateway: { mode: 'local', auth: { password: 'pw-secret-4471' } }, skills: { entries: { '1password': { enabled: true } } } }, null, 2));
      setTimeout(() => process.exit(0), 3000);`;
    const t = (td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, '-e', 'setInterval(() => {}, 1e9)'],
            configFile: { path: cfg, format: 'json5', protect: ['**.*password*'] },
            doctor: { command: [NODE, '-e', doctor], attempts: 1, confirmAfter: '1s', snapshotAfter: '300ms' },
            restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 2, window: '1m' } },
            probes: [{ kind: 'command', command: [NODE, '-e', check], interval: '200ms', timeout: '2s', failureThreshold: 2, startupGrace: '0s' }],
          },
        ],
      },
      { dir },
    ));
    const msgs = (): string => t.events.slice(-15).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000, message: msgs });

    writeFileSync(bad, '');
    await waitFor(() => t.events.some((e) => e.type === 'incident.action' && e.details?.action === 'doctor-reverted'), { timeoutMs: 60_000, message: msgs });
    expect(readFileSync(cfg, 'utf8')).toBe(userConfig);
    // Fixed by hand and resumed: healthy again (a tick of the config checks reads the reverted file meanwhile, every 2 s).
    rmSync(bad);
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().incident?.status === 'waiting-human', { timeoutMs: 20_000, message: msgs });
    expect((await rt.request('resume', 'human')).ok).toBe(true);
    await waitFor(() => rt.status().health === 'healthy' && !rt.status().work, { timeoutMs: 30_000, message: msgs });

    // The person removes their own password: that is said, and only that.
    writeFileSync(cfg, `{\n  gateway: { mode: 'local', auth: {} },\n}\n`);
    await waitFor(() => protectedRemovedFindings(t).some((e) => e.severity === 'warning'), { timeoutMs: 20_000, message: msgs });
    const warned = protectedRemovedFindings(t).filter((e) => e.severity === 'warning');
    expect(warned.map((e) => e.message)).toHaveLength(1);
    expect(protectedRemovedFindings(t).find((e) => e.severity === 'warning')!.details?.removed).toEqual(['gateway.auth.password']);
  }, 120_000);
});
