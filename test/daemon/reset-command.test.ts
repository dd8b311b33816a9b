// `clawback reset NAME` (pm2 reset) end to end on a real daemon: CLI -> token-protected POST -> the reducer. RESTARTS
// goes back to 0 with the process untouched and a crash-loop hold kept; clawback_restarts_total, a counter, never goes down.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { httpGet, httpPost, waitFor } from '../helpers/processes.js';

interface Row {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  held?: { reason: string } | null;
}

describe('clawback reset NAME', () => {
  it('sets RESTARTS to 0, keeps the pid and the crash-loop hold, journals who asked, and needs the token', async () => {
    const td = await startTestDaemon({
      services: [
        { name: 'crashy', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '200'], restart: { backoff: { initial: '50ms', max: '100ms' }, intensity: { maxRestarts: 3, window: '1m' } }, doctor: { attempts: 0 } },
        { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    });
    const g = ['--state-dir', td.stateDir, '--config', td.configFile];
    const port = td.daemon.api!.port;
    const rows = async (): Promise<Row[]> => {
      const r = await runCli(['status', '--json', ...g]);
      return (JSON.parse(r.stdout) as { services: Row[] }).services;
    };
    const row = async (name: string): Promise<Row> => (await rows()).find((s) => s.name === name)!;
    const counted = async (): Promise<number> => {
      const m = /clawback_restarts_total\{service="crashy"[^}]*\} (\d+)/.exec((await httpGet(`http://127.0.0.1:${port}/metrics`)).body);
      return m ? Number(m[1]) : 0;
    };
    try {
      // The crashing service restarts until the breaker holds it; the steady one is restarted once by a person.
      await waitFor(async () => (await row('crashy')).held?.reason === 'crash-loop', { timeoutMs: 30_000, message: 'crashy held by the breaker' });
      const restartedSteady = await runCli(['restart', 'steady', ...g]);
      expect(restartedSteady.code, restartedSteady.stderr).toBe(0);
      const steadyBefore = await row('steady');
      const crashyBefore = await row('crashy');
      expect(steadyBefore.restarts).toBe(1);
      expect(crashyBefore.restarts).toBeGreaterThanOrEqual(3);
      const metricBefore = await counted();
      expect(metricBefore).toBeGreaterThanOrEqual(3);

      // Without the token: refused, nothing reset.
      const noToken = await httpPost(`http://127.0.0.1:${port}/api/services/steady/reset`);
      expect(noToken.status).toBe(401);
      expect((await row('steady')).restarts).toBe(1);

      const r = await runCli(['reset', 'steady', '--json', ...g]);
      expect(r.code, r.stderr).toBe(0);
      const answer = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(answer).toMatchObject({ ok: true, reset: { restarts: { before: 1, after: 0 }, held: null } });
      expect(answer.message).toContain(`reset steady: restarts 1 -> 0`);
      expect(answer.message).toContain(`running (pid ${steadyBefore.pid}, not restarted)`);
      const steadyAfter = await row('steady');
      expect(steadyAfter).toMatchObject({ restarts: 0, state: 'running', pid: steadyBefore.pid });

      const c = await runCli(['reset', 'crashy', ...g]);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toContain(`reset crashy: restarts ${crashyBefore.restarts} -> 0`);
      expect(c.stdout).toContain('it stays held (crash-loop: ');
      expect(c.stdout).toMatch(/resume crashy` lifts the hold/);
      const crashyAfter = await row('crashy');
      expect(crashyAfter.restarts).toBe(0);
      expect(crashyAfter.held?.reason).toBe('crash-loop');
      expect(crashyAfter.pid).toBeNull();
      // Prometheus: the counter keeps its count.
      expect(await counted()).toBe(metricBefore);
      // Kept in state.json (a daemon restart does not bring the old count back).
      const saved = JSON.parse(readFileSync(path.join(td.stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { restartsTotal: number; restartHistory: number[]; backoffAttempt: number } }> };
      expect(saved.services.crashy!.record).toMatchObject({ restartsTotal: 0, restartHistory: [], backoffAttempt: 0 });

      // Journaled, naming who asked.
      const resets = td.journal().filter((e) => e.type === 'service.reset');
      expect(resets.map((e) => e.service)).toEqual(['steady', 'crashy']);
      expect(resets[0]!.message).toMatch(/^steady: restart count reset by cli:/);

      // An unknown name: the error and exit code of every other action.
      const unknown = await runCli(['reset', 'nope', '--json', ...g]);
      expect(unknown.code).toBe(4);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
    } finally {
      await td.stop();
    }
  }, 120_000);
});
