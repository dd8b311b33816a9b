// A drill judged the service by the config file on disk, not the one the daemon had loaded: an edit not yet reloaded
// made it `resume` a healthy service and fail "not healthy within 15 s" (exit 1). It is refused now, naming the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { drilledStatus, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';

describe('clawback drill: the config file differs from the one the daemon runs', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('refuses (exit 2, the file and `clawback reload` named) and leaves the healthy service alone; a comment-only edit is no change', async () => {
    const original = readFileSync(d.config, 'utf8');
    const before = await drilledStatus<{ pid: number; restarts: number; health: string }>(d.stateDir);
    // The edit a person has not reloaded yet: a health path the running gateway does not serve.
    writeFileSync(d.config, original.replace(/\/health\b/, '/not-reloaded-yet'));
    try {
      const r = await runCli(['drill', 'crash', '--state-dir', d.stateDir, '--yes', '--json', '--timeout', '5'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(2);
      const out = JSON.parse(r.stdout) as { ok: boolean; error: { kind: string; message: string } };
      expect(out.error.kind).toBe('refused');
      expect(out.error.message).toContain(`the daemon runs a different config than ${d.config}`);
      expect(out.error.message).toContain('clawback reload');
      const after = await drilledStatus<{ pid: number; restarts: number; health: string }>(d.stateDir);
      expect(after.pid).toBe(before.pid);
      expect(after.restarts).toBe(before.restarts);
      expect(after.health).toBe('healthy');
    } finally {
      writeFileSync(d.config, original);
    }
    // Parsed, not bytes: a comment changes nothing the daemon runs.
    writeFileSync(d.config, `${original}# a note\n`);
    const ok = await runCli(['drill', 'crash', '--state-dir', d.stateDir, '--yes', '--json'], { timeoutMs: 90_000 });
    expect(ok.code, ok.stderr).toBe(0);
  }, 150_000);
});
