// Level 2 in the running daemon: a broken config is replaced by the last-known-good one, the broken file kept.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor, spawnMarked, isAlive, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

let td: TestDaemon | undefined;
let foreign: MarkedChild | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  foreign?.kill();
  foreign = undefined;
});

const GOOD = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2) + '\n';

/** reload: how the service is said to read the file (configFile.reload; the demo gateway reads it at start). */
async function demoWithConfig(reload: 'start' | 'live' = 'start'): Promise<{ t: TestDaemon; port: number; cfg: string; dir: string }> {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, GOOD);
  const port = await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          port,
          configFile: { path: cfg, format: 'json', reload, validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
          doctor: { snapshotAfter: '300ms' },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
        },
      ],
    },
    { dir },
  );
  return { t: td, port, cfg, dir };
}

const up = async (port: number): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
const rt = (t: TestDaemon) => t.daemon.runtimes.get('gw')!;

async function waitForSnapshot(t: TestDaemon): Promise<void> {
  await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 15_000 });
}

describe.each([
  ['truncated', (cfg: string) => writeFileSync(cfg, GOOD.slice(0, 20))],
  ['invalid JSON', (cfg: string) => writeFileSync(cfg, '{ name: demo-gateway, }')],
  ['wrong type in a field', (cfg: string) => writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }))],
  ['deleted', (cfg: string) => rmSync(cfg)],
])('config %s, then the gateway dies', (label, breakIt) => {
  it('comes back healthy with the last-known-good config and keeps the broken file', async () => {
    const { t, port, cfg, dir } = await demoWithConfig();
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    await waitForSnapshot(t);
    breakIt(cfg);
    const broken = label === 'deleted' ? undefined : readFileSync(cfg);
    process.kill(rt(t).status().pid!, 'SIGKILL');
    await waitFor(() => up(port), { timeoutMs: 30_000, intervalMs: 50 });
    if (label === 'wrong type in a field') {
      // Least change: only the setting the validator names goes back (the user's own layout stays), not the whole file.
      expect(JSON.parse(readFileSync(cfg, 'utf8'))).toEqual(JSON.parse(GOOD));
      expect(t.journal().find((e) => e.type === 'doctor.repair' && e.details?.applied)?.details).toMatchObject({ method: 'revert-named-values', reverted: ['port'] });
    } else expect(readFileSync(cfg, 'utf8')).toBe(GOOD);
    if (broken) {
      const evidence = readdirSync(dir).filter((f) => f.startsWith('gateway.json.corrupt-'));
      expect(evidence).toHaveLength(1);
      expect(readFileSync(path.join(dir, evidence[0]!))).toEqual(broken);
    }
    const journal = t.journal();
    const repair = journal.find((e) => e.type === 'doctor.repair' && e.details?.applied);
    expect(repair?.details).toMatchObject({ verified: true });
    expect(journal.some((e) => e.type === 'incident.level' && e.level === 2)).toBe(true);
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 10_000 });
    const resolved = t.events.find((e) => e.type === 'incident.resolved')!;
    expect(resolved.details).toMatchObject({ highestLevel: 2, outcome: 'auto-resolved' });
  });
});

describe('last-known-good between edits', () => {
  it('an edit of the same size with its mtime set back is still seen (the stat shortcut also compares ctime) and saved', async () => {
    // A service that reloads its file live (OpenClaw's gateway): an edit counts once a probe passes after it, with no restart.
    const { t, port, cfg } = await demoWithConfig('live');
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    await waitForSnapshot(t);
    // A reference copy with the same timestamps (to the nanosecond), then `touch -r` sets them back after the edit.
    const ref = `${cfg}.ref`;
    expect(spawnSync('cp', ['-p', cfg, ref]).status).toBe(0);
    const before = statSync(cfg, { bigint: true });
    const edited = GOOD.replace('demo-gateway', 'demo-gatewaz');
    expect(edited.length).toBe(GOOD.length);
    writeFileSync(cfg, edited);
    expect(spawnSync('touch', ['-r', ref, cfg]).status).toBe(0);
    expect(statSync(cfg, { bigint: true }).mtimeNs).toBe(before.mtimeNs);
    // The daemon checks every 2 s; without ctime in the stamp it would skip this content for a minute.
    await waitFor(() => t.events.filter((e) => e.type === 'config.snapshot').length >= 2, { timeoutMs: 15_000 });
    const snaps = t.events.filter((e) => e.type === 'config.snapshot');
    expect(snaps[1]!.details?.['sha256']).not.toBe(snaps[0]!.details?.['sha256']);
  });
});

describe('port held by an unrelated process', () => {
  it('reports the holder with its pid, never kills it, and escalates to a human', async () => {
    const port = await freePort();
    foreign = spawnMarked(NODE, ['-e', `require('http').createServer((q,s)=>s.end('foreign')).listen(${port},'127.0.0.1',()=>console.log('listening'))`]);
    await foreign.waitForStdout('listening', 20_000);
    td = await startTestDaemon({
      services: [{ name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--port', String(port)], port, restart: { intensity: { maxRestarts: 2, window: '1m' } } }],
    });
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 20_000 });
    const finding = t.journal().find((e) => e.type === 'doctor.finding' && String(e.message).includes(String(foreign!.pid)));
    expect(finding, JSON.stringify(t.journal().filter((e) => e.type.startsWith('doctor')), null, 1)).toBeDefined();
    expect(isAlive(foreign.pid)).toBe(true);
    const body = await new Promise<string>((resolve) => http.get(`http://127.0.0.1:${port}/`, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => resolve(b)); }));
    expect(body).toBe('foreign');
    expect(rt(t).status().incident?.status).toBe('waiting-human');
  });
});
