// `restart web --json` (and maintenance, reload, scale, approve, notify, update) was refused as an unknown option: a
// script could not read the result of a change. Each now answers one JSON object on stdout, success or failure.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';

/** The single JSON line a --json command printed on stdout. */
function oneJson(r: CliResult, what: string): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  expect(lines, `${what}: stdout ${r.stdout} stderr ${r.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('the commands that change things answer --json', () => {
  it('start/stop/restart/resume, maintenance, reload, scale, approve, notify flush, update: one JSON object and the documented code', async () => {
    const td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const g = ['--state-dir', td.stateDir, '--config', td.configFile];
    try {
      const restarted = oneJson(await runCli(['restart', 'web', '--json', ...g]), 'restart');
      expect(restarted).toMatchObject({ ok: true, message: expect.stringContaining('restart web') });
      for (const action of ['stop', 'start', 'resume']) {
        const r = await runCli([action, 'web', '--json', ...g]);
        expect(r.code, r.stderr).toBe(0);
        expect(oneJson(r, action)).toMatchObject({ ok: true, message: expect.any(String) });
      }
      const unknown = await runCli(['stop', 'nope', '--json', ...g]);
      expect(unknown.code).toBe(4);
      expect(oneJson(unknown, 'stop nope')).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });

      const on = await runCli(['maintenance', 'web', 'on', '--json', ...g]);
      expect(on.code, on.stderr).toBe(0);
      expect(oneJson(on, 'maintenance on')).toMatchObject({ ok: true, message: expect.stringContaining('maintenance on') });
      expect(oneJson(await runCli(['maintenance', 'web', 'off', '--json', ...g]), 'maintenance off')).toMatchObject({ ok: true });
      const badMode = await runCli(['maintenance', 'web', 'maybe', '--json', ...g]);
      expect(badMode.code).toBe(1);
      expect(oneJson(badMode, 'maintenance maybe')).toMatchObject({ ok: false, error: { kind: 'usage', exitCode: 1 } });

      const reloaded = oneJson(await runCli(['reload', '--json', ...g]), 'reload');
      expect(reloaded).toMatchObject({ ok: true, untouched: ['web'], added: [], removed: [] });

      const scale = await runCli(['scale', 'web', '2', '--json', ...g]);
      expect(scale.code).toBe(1);
      expect(oneJson(scale, 'scale')).toMatchObject({ ok: false, error: { kind: 'refused', exitCode: 1 } });
      const approve = await runCli(['approve', 'inc-none', '--json', ...g]);
      expect(approve.code).toBe(4);
      expect(oneJson(approve, 'approve')).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
      const flush = await runCli(['notify', 'flush', '--json', ...g]);
      expect(flush.code).toBe(1);
      expect(oneJson(flush, 'notify flush')).toMatchObject({ ok: false, error: { exitCode: 1 } });
      const update = await runCli(['update', 'web', '--json', ...g]);
      expect(update.code).toBe(1);
      expect(oneJson(update, 'update')).toMatchObject({ ok: false, error: { kind: 'refused', exitCode: 1 } });

      // An invalid file on reload: exit 2 and kind invalid-config; nothing changed.
      writeFileSync(td.configFile, 'services: 3\n');
      const bad = await runCli(['reload', '--json', ...g]);
      expect(bad.code, bad.stderr).toBe(2);
      expect(oneJson(bad, 'reload invalid')).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 } });
      // Without --json stdout stays the one human line.
      const human = await runCli(['restart', 'web', ...g]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^restart web: .*\n$/);
    } finally {
      await td.stop();
    }
  }, 120_000);

  it('notify test --json: the result of each channel, from a real local webhook', async () => {
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = tempDir('clawback-notify-json-');
    try {
      const config = path.join(dir, 'clawback.yaml');
      const port = (server.address() as AddressInfo).port;
      writeFileSync(config, `services:\n  - name: web\n    command: [node, x.js]\nnotify:\n  channels:\n    - { type: webhook, name: hook, url: "http://127.0.0.1:${port}/hook" }\n`);
      const r = await runCli(['notify', 'test', '--json', '--config', config, '--state-dir', path.join(dir, 'state')]);
      expect(r.code, r.stderr).toBe(0);
      expect(oneJson(r, 'notify test')).toEqual({ ok: true, results: [{ channel: 'hook', ok: true, status: 204, error: null }] });
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
