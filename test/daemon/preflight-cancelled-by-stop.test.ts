// A daemon stopped while a start waited for its preflight's config validator (OpenClaw's, up to a minute) waited for
// the validator, started the service it was stopping, then left the validator running past its exit. The stop ends the
// validator, starts nothing, and does not wait for it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';
import { isAlive as alive, waitFor } from '../helpers/processes.js';


describe('a daemon stopped during a start\'s preflight', () => {
  it('ends the config validator and starts nothing', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'svc.json');
    const pidFile = path.join(dir, 'validator.pid');
    const gate = path.join(dir, 'gate');
    writeFileSync(cfg, '{"ok": true}\n');
    writeFileSync(gate, ''); // the first start's validator passes at once
    const validator = [NODE, path.join(FIXTURES, 'gated-validator.mjs'), pidFile, gate];
    const td = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], configFile: { path: cfg, format: 'json', validateCommand: validator, validateTimeout: '60s' } }] },
      { dir },
    );
    let validatorPid: number | undefined;
    try {
      const svc = (): { pid?: number | null; preflight?: unknown } | undefined => (td.daemon.status() as unknown as { services: Array<{ name: string; pid?: number | null; preflight?: unknown }> }).services.find((s) => s.name === 'svc');
      const first = svc()!.pid!;
      // The first content saved as last-known-good first: that save runs the same validator, and one still in flight
      // when the gate goes waited for it too and wrote its pid into the file this test reads (seen under CI's load).
      await waitFor(() => td.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000, message: 'the first config saved as last-known-good' });
      // New bytes and a crash: the next start validates again, and this validator waits for a gate that never opens.
      rmSync(gate);
      rmSync(pidFile, { force: true });
      writeFileSync(cfg, '{"ok": false}\n');
      process.kill(first, 'SIGKILL');
      validatorPid = await waitFor(
        () => {
          if (svc()?.preflight === undefined || !existsSync(pidFile)) return undefined;
          const pid = Number(readFileSync(pidFile, 'utf8'));
          return pid > 0 && alive(pid) ? pid : undefined;
        },
        { timeoutMs: 20_000, message: 'the validator running' },
      );
      expect(alive(validatorPid)).toBe(true);
      const t0 = Date.now();
      await td.stop();
      const took = Date.now() - t0;
      // Not the validator's minute (its bound), nor the stop grace plus 10 s the shutdown waited for the start.
      expect(took, `the stop took ${took} ms`).toBeLessThan(15_000);
      await waitFor(() => (!alive(validatorPid!) ? true : undefined), { timeoutMs: 5_000, message: `the validator ${validatorPid} ended` });
      expect(td.events.filter((e) => e.type === 'service.started' && e.time > t0)).toHaveLength(0);
      expect(td.events.some((e) => e.type === 'service.exited' && /could not be started/.test(e.message) && e.time >= t0)).toBe(false);
    } finally {
      if (validatorPid !== undefined && alive(validatorPid)) process.kill(validatorPid, 'SIGKILL');
      writeFileSync(gate, '');
    }
  }, 90_000);
});
