// `clawback doctor --fix` never stops a process that shares the live instance's listening socket (a detached worker that
// inherited it): it is a piece of the healthy service, and stopping it frees no port.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { isRunning, killTree, pidRef, spawnMarked, waitFor, type MarkedChild, type PidRef } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { processStartTime } from '../../src/platform/proc.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/shared-listener.mjs', import.meta.url));

let svc: MarkedChild | undefined;
let helper: PidRef | undefined;
afterEach(async () => {
  if (helper) killTree(helper);
  svc?.kill();
  await svc?.exited;
  svc = undefined;
  helper = undefined;
});

interface Report {
  exitCode: number;
  services: Array<{ findings: Array<{ rule: string; title: string }>; outcomes: Array<{ applied: boolean; message: string }> }>;
}

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.on('data', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

describe('a process sharing the live instance\'s listening socket', () => {
  it('is part of the live instance: not a finding, not stopped by doctor --fix', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    svc = spawnMarked(process.execPath, [FIXTURE, String(port)], { env: { CLAWBACK_SERVICE: 'web', CLAWBACK_SUPERVISED_BY: stateDir } });
    const out = await svc.waitForStdout(/helper \d+\n/);
    helper = pidRef(Number(/helper (\d+)/.exec(out)![1]));
    await waitFor(() => processStartTime(helper!.pid) !== undefined, { timeoutMs: 10_000, message: 'the helper to start' });
    // What a daemon killed with -9 left behind: the live instance it recorded, still serving.
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify({ services: { web: { record: { instance: { pid: svc.pid, pidStartTime: processStartTime(svc.pid) ?? null } } } } }));
    const cfg = path.join(dir, 'clawback.yaml');
    writeFileSync(cfg, YAML.stringify({ services: [{ name: 'web', command: [process.execPath, FIXTURE, String(port)], port }] }));

    const r = await runCli(['-c', cfg, '--state-dir', stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as Report;
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), r.stdout).toEqual([]);
    expect(report.services[0]!.outcomes).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(isRunning(helper)).toBe(true);
    expect(isRunning(svc.ref)).toBe(true);
    expect(await answers(port)).toBe(true);
  });
});
