// A person's stop/restart/start during the daemon's first start waited behind the whole start-up (another service's
// preflight validator), and a stop of the service whose validator ran waited it out and then started and stopped it.
// systemctl stop of an `activating` unit cancels its start at once: so does this, through the reducer, said as that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { defaultDaemonOptions } from '../../src/daemon/wiring.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { isAlive as alive, waitFor } from '../helpers/processes.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

interface Booting {
  daemon: Daemon;
  events: ClawbackEvent[];
  pidFile: string;
  gate: string;
  post: (name: string, action: string) => Promise<{ status: number; message: string }>;
  postPath: (p: string) => Promise<{ status: number; message: string }>;
}

const running: Array<{ daemon: Daemon; started: Promise<void>; gate: string }> = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    writeFileSync(r.gate, '');
    await r.started.catch(() => undefined);
    await r.daemon.stop({ stopServices: true });
  }
});

/** A daemon whose first start waits on `slow`'s validator (open until the gate file appears); its API is up. */
async function bootingDaemon(): Promise<Booting> {
  const dir = tempDir();
  const cfg = path.join(dir, 'slow.json');
  const pidFile = path.join(dir, 'validator.pid');
  const gate = path.join(dir, 'gate');
  writeFileSync(cfg, '{"ok": true}\n');
  const configFile = path.join(dir, 'clawback.yaml');
  const sleeper = [NODE, path.join(FIXTURES, 'sleeper.mjs')];
  writeFileSync(
    configFile,
    YAML.stringify(
      markServices({
        services: [
          { name: 'slow', command: sleeper, configFile: { path: cfg, format: 'json', validateCommand: [NODE, path.join(FIXTURES, 'gated-validator.mjs'), pidFile, gate], validateTimeout: '60s' } },
          { name: 'fast', command: sleeper },
        ],
      }),
    ),
  );
  const stateDir = path.join(dir, 'state');
  const daemon = await createDaemon({ ...defaultDaemonOptions(), file: configFile, stateDir, apiPort: 0, heartbeatMs: 500 });
  const events: ClawbackEvent[] = [];
  daemon.ctx.bus.subscribe((e) => events.push(e));
  const started = daemon.start();
  running.push({ daemon, started, gate });
  const api = await waitFor(
    () => {
      if (!existsSync(path.join(stateDir, 'daemon.json')) || !existsSync(path.join(stateDir, 'token'))) return undefined;
      const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api?: { port?: number } };
      return info.api?.port ? { port: info.api.port, token: readFileSync(path.join(stateDir, 'token'), 'utf8').trim() } : undefined;
    },
    { timeoutMs: 20_000, message: 'the API up' },
  );
  const postPath = async (p: string): Promise<{ status: number; message: string }> => {
    // Bounded below the validator's own 60 s: an answer that waits for it fails here.
    const res = await fetch(`http://127.0.0.1:${api.port}${p}`, { method: 'POST', headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(25_000) });
    return { status: res.status, message: ((await res.json()) as { message: string }).message };
  };
  const post = (name: string, action: string): Promise<{ status: number; message: string }> => postPath(`/api/services/${name}/${action}`);
  return { daemon, events, pidFile, gate, post, postPath };
}

async function validatorRunning(b: Booting): Promise<number> {
  return waitFor(
    () => {
      if (!existsSync(b.pidFile)) return undefined;
      const pid = Number(readFileSync(b.pidFile, 'utf8'));
      return pid > 0 && alive(pid) ? pid : undefined;
    },
    { timeoutMs: 20_000, message: 'slow\'s validator running' },
  );
}

const failures = (events: ClawbackEvent[]): ClawbackEvent[] => events.filter((e) => e.service === 'slow' && (e.type === 'incident.opened' || e.type === 'breaker.tripped' || e.severity !== 'info'));

describe('a person\'s request during the daemon\'s first start', () => {
  it('a stop of another service does not wait for this one\'s validator; a stop of this one cancels its start', async () => {
    const b = await bootingDaemon();
    const validator = await validatorRunning(b);
    const fast = await b.post('fast', 'stop');
    expect(fast).toEqual({ status: 200, message: 'stop fast: stopped' });
    // Answered while slow's validator still runs (it waits for a gate nobody opened).
    expect(alive(validator)).toBe(true);
    const slow = await b.post('slow', 'stop');
    expect(slow).toEqual({ status: 200, message: 'stop slow: stopped' });
    await waitFor(() => (!alive(validator) ? true : undefined), { timeoutMs: 10_000, message: `the validator ${validator} ended` });
    expect(b.events.some((e) => e.service === 'slow' && e.type === 'service.stopped' && /start cancelled by a person/.test(e.message))).toBe(true);
    expect(b.events.filter((e) => e.service === 'slow' && e.type === 'service.started')).toHaveLength(0);
    expect(failures(b.events)).toEqual([]);
    expect((b.daemon.status() as unknown as { services: Array<{ name: string; held?: unknown }> }).services.find((s) => s.name === 'slow')?.held).toBeFalsy();
  }, 90_000);

  it('a restart starts that service\'s start again; a start says it is already starting', async () => {
    const b = await bootingDaemon();
    const first = await validatorRunning(b);
    const start = await b.post('slow', 'start');
    expect(start.status).toBe(200);
    expect(start.message).toMatch(/^start slow: already starting \(/);
    writeFileSync(b.pidFile, '');
    const restart = await b.post('slow', 'restart');
    expect(restart).toMatchObject({ status: 200 });
    expect(restart.message).toMatch(/^restart slow: the start under way was cancelled; starting again/);
    await waitFor(() => (!alive(first) ? true : undefined), { timeoutMs: 10_000, message: `the first validator ${first} ended` });
    // A fresh start: its preflight runs the validator again; once it passes, the service runs.
    const second = await validatorRunning(b);
    expect(second).not.toBe(first);
    writeFileSync(b.gate, '');
    await waitFor(() => b.events.some((e) => e.service === 'slow' && e.type === 'service.started'), { timeoutMs: 20_000, message: 'slow started' });
    expect(b.events.filter((e) => e.service === 'slow' && e.type === 'service.started')).toHaveLength(1);
    expect(failures(b.events)).toEqual([]);
  }, 90_000);

  it('a maintenance or an approval is answered without waiting for another service\'s validator', async () => {
    const b = await bootingDaemon();
    const validator = await validatorRunning(b);
    // `clawback maintenance fast on` waited for the whole start-up (~35 s), the CLI gave up at 15 s.
    expect(await b.postPath('/api/services/fast/maintenance?on=on&by=qa')).toEqual({ status: 200, message: 'fast: maintenance on until turned off' });
    // Its own service's start under way: maintenance is the reducer's to note now, not after the validator.
    expect(await b.postPath('/api/services/slow/maintenance?on=on&by=qa')).toEqual({ status: 200, message: 'slow: maintenance on until turned off' });
    expect(await b.postPath('/api/incidents/inc-none/approve?by=qa')).toEqual({ status: 404, message: 'no open incident inc-none' });
    expect(await b.postPath('/api/services/nope/maintenance?on=on')).toMatchObject({ status: 404 });
    expect(alive(validator)).toBe(true);
    const st = b.daemon.status() as unknown as { services: Array<{ name: string; maintenance?: unknown }> };
    expect(st.services.find((s) => s.name === 'fast')?.maintenance).toBeTruthy();
  }, 90_000);

  it('a POST that touches no service (acknowledge, notify flush) does not wait for another service\'s validator', async () => {
    const b = await bootingDaemon();
    const validator = await validatorRunning(b);
    // `clawback acknowledge` answered after ~30 s: it waited for the whole start-up.
    expect(await b.postPath('/api/daemon/acknowledge?by=qa')).toEqual({ status: 200, message: 'nothing to acknowledge: no previous daemon death is shown' });
    expect(await b.postPath('/api/notify/flush')).toEqual({ status: 409, message: 'no notification channels configured' });
    expect(alive(validator)).toBe(true);
  }, 90_000);
});
