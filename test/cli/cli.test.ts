// The CLI as a user runs it: validate exit codes, status JSON, control commands, daemon start on a corrupt state file.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { CLI } from '../helpers/cli.js';

let daemonProc: MarkedChild | undefined;
afterEach(async () => {
  if (daemonProc) {
    daemonProc.child.kill('SIGTERM');
    await daemonProc.waitForExit(10_000).catch(() => daemonProc?.kill());
    daemonProc = undefined;
  }
});

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, YAML.stringify(config));
  return file;
}

describe('clawback validate', () => {
  it('exits 0 on a valid file and 2 naming the field, the value and the expectation on an invalid one', async () => {
    const dir = tempDir();
    const good = writeConfig(dir, { services: [{ name: 'web', command: ['node', 'server.js'] }] });
    const ok = await runCli(['validate', '--config', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid');

    const badFile = path.join(dir, 'bad.yaml');
    writeFileSync(badFile, YAML.stringify({ services: [{ name: 'web', command: ['node'], stop: { grace: 'soon' }, restart: { intensity: { maxRestarts: -1 } } }] }));
    const bad = await runCli(['validate', '--config', badFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('services[0].stop.grace');
    expect(bad.stderr).toContain('"soon"');
    expect(bad.stderr).toMatch(/services\[0\]\.restart\.intensity\.maxRestarts: .*>=\s*1.*\(got -1\)/);
  });

  it('refuses unknown keys, duplicate names and a file that does not parse', async () => {
    const dir = tempDir();
    const f = writeConfig(dir, { services: [{ name: 'a', command: ['x'], restrat: {} }, { name: 'a', command: ['y'] }] });
    const r = await runCli(['validate', '--config', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown key(s) "restrat"');
    expect(r.stderr).toContain('duplicate service name "a"');
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, 'services: [ {name: a, command: [x]\n');
    const r2 = await runCli(['validate', '--config', broken]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('cannot parse');
  });

  it('exports a JSON Schema that describes the services', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, { items?: { properties?: Record<string, unknown> } }> };
    expect(Object.keys(schema.properties.services!.items!.properties!)).toEqual(expect.arrayContaining(['name', 'command', 'restart', 'probes']));
  });
});

describe('clawback run + status + control', () => {
  it('starts despite a corrupt state file, keeps it aside, and answers status --json and stop/start', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'state.json'), '{"version":1,"services":{"web":');
    const config = writeConfig(dir, markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }));
    daemonProc = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemonProc.waitForStdout('dashboard:', 15_000);
    expect(daemonProc.stdout()).toContain('state file was corrupt');
    expect(readdirSync(stateDir).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);

    const st = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', stateDir]);
      const j = JSON.parse(r.stdout) as { daemon: Record<string, unknown>; services: Array<Record<string, unknown>> };
      return j.services[0]!.pid ? j : undefined;
    }, { timeoutMs: 10_000 });
    expect(st.daemon).toMatchObject({ version: expect.any(String), pid: expect.any(Number), uptimeMs: expect.any(Number) });
    expect(st.services[0]).toMatchObject({ name: 'web', state: 'running', restarts: 0, lastExit: null, incident: null });

    const table = await runCli(['status', '--state-dir', stateDir]);
    expect(table.stdout).toMatch(/web\s+running/);

    const stop = await runCli(['stop', 'web', '--state-dir', stateDir]);
    expect(stop.code).toBe(0);
    const after = JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ state: string; pid: number | null }> };
    expect(after.services[0]).toMatchObject({ state: 'stopped', pid: null });
    const missing = await runCli(['restart', 'nope', '--state-dir', stateDir]);
    expect(missing.code).toBe(4);
    const start = await runCli(['start', 'web', '--state-dir', stateDir]);
    expect(start.code).toBe(0);

    const journal = readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"service.stopped"');

    // The service's own output, and the incident history, as a user reads them.
    const logs = await runCli(['logs', 'web', '-n', '5', '--state-dir', stateDir, '--config', config]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('ready');
    const pid = (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ pid: number }> }).services[0]!.pid;
    process.kill(pid, 'SIGKILL');
    const incidents = await waitFor(async () => {
      const r = await runCli(['incidents', '--json', '--state-dir', stateDir]);
      const list = JSON.parse(r.stdout) as Array<{ id: string; service: string; outcome: string; ttrMs?: number }>;
      return list.find((i) => i.outcome === 'auto-resolved') ? list : undefined;
    }, { timeoutMs: 15_000, intervalMs: 300 });
    expect(incidents[0]).toMatchObject({ service: 'web', outcome: 'auto-resolved' });
    const one = await runCli(['incident', incidents[0]!.id, '--state-dir', stateDir]);
    expect(one.stdout).toContain('service.exited');
    const digest = await runCli(['digest', '--days', '1', '--state-dir', stateDir]);
    expect(digest.stdout).toMatch(/\| Incidents \| 1 \|/);
    expect(journal).toContain('"type":"daemon.history-lost"');
  });

  it('refuses state changes without the token', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const config = writeConfig(dir, markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }));
    daemonProc = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemonProc.waitForStdout('dashboard:', 15_000);
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } };
    const base = `http://127.0.0.1:${info.api.port}`;
    const noToken = await fetch(`${base}/api/services/web/stop`, { method: 'POST' });
    expect(noToken.status).toBe(401);
    const wrong = await fetch(`${base}/api/services/web/stop`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const token = readFileSync(path.join(stateDir, 'token'), 'utf8').trim();
    const crossSite = await fetch(`${base}/api/services/web/restart`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    const status = await fetch(`${base}/api/status`);
    expect(status.status).toBe(200);
    const rebinding = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: info.api.port, path: '/api/status', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebinding).toBe(421);
  });
});
