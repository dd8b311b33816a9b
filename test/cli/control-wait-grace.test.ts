// `clawback stop NAME` of a service whose stop takes longer than 15 s (it ignores SIGTERM for 17 s, stop grace 25 s):
// the CLI gave up after a fixed 15 s with "not responding" (exit 3) while the daemon went on and stopped it. Its
// bound now follows the service's configured grace, so the answer is the daemon's own: stopped, exit 0.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(40_000).catch(() => daemon!.kill());
  daemon = undefined;
});


describe('stop of a service whose stop grace is longer than the ordinary request bound', () => {
  it('waits for the daemon to carry it out and says stopped (exit 0), not "not responding"', async () => {
    const dir = tempDir('clawback-stop-grace-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    // Exits 17 s after SIGTERM, longer than the CLI's ordinary 15 s request bound.
    const web = slowStopService(17000);
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: web.command, env: web.env, stop: { grace: '25s' } }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('status:', 20_000);
    await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', stateDir]);
      const svc = r.code !== 0 ? undefined : (JSON.parse(r.stdout) as { services: Array<{ state: string; pid?: number }> }).services[0];
      return r.code === 0 && svc?.state === 'running' && web.handling(svc.pid) ? true : null;
    }, { timeoutMs: 20_000, message: 'web running, its SIGTERM handler in place' });

    const started = Date.now();
    const r = await runCli(['stop', 'web', '--json', '--state-dir', stateDir], { timeoutMs: 60_000 });
    const tookMs = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, message: 'stop web: stopped' });
    expect(r.stderr).not.toMatch(/not responding/);
    // It really waited for the 17 s stop (not an answer that came early).
    expect(tookMs).toBeGreaterThan(15_000);
  }, 90_000);
});
