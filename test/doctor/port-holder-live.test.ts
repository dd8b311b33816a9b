// `clawback doctor --fix` never stops a live instance: not the user's own copy started by hand with the service's command
// line, not the instance a killed daemon left running (the next daemon adopts it, state.json or not); only a marked
// copy beside the live instance.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { httpGet, isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER, startDemoGateway, type DemoGateway } from '../helpers/demo.js';
import { processStartTime } from '../../src/platform/proc.js';

let gw: DemoGateway | undefined;
let other: MarkedChild | undefined;
afterEach(async () => {
  await gw?.stop();
  other?.kill();
  await other?.exited;
  gw = undefined;
  other = undefined;
});

interface Report {
  exitCode: number;
  services: Array<{ findings: Array<{ rule: string; title: string; evidence: string; fixable: boolean }>; outcomes: Array<{ applied: boolean }> }>;
}

/** A clawback.yaml whose one service runs exactly the command the test gateway was started with. */
function clawbackConfig(dir: string, port: number): string {
  const file = path.join(dir, 'clawback.yaml');
  const service = { name: 'gw', command: [process.execPath, DEMO_GATEWAY_SERVER, '--port', String(port)], port, probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health` }] };
  writeFileSync(file, YAML.stringify({ services: [service] }));
  return file;
}

async function doctorFix(cfg: string, stateDir: string): Promise<Report> {
  const r = await runCli(['-c', cfg, '--state-dir', stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
  return JSON.parse(r.stdout) as Report;
}

const healthy = async (port: number): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 1000).catch(() => ({ status: 0 }))).status === 200;

describe('the port holder is never a live instance', () => {
  it('a healthy copy the user started by hand with the service\'s own command line is reported, not stopped', async () => {
    const dir = tempDir();
    gw = await startDemoGateway({ port: await freePort() });
    const cfg = clawbackConfig(dir, gw.port);
    const report = await doctorFix(cfg, path.join(dir, 'state'));
    const holder = report.services[0]!.findings.filter((f) => f.rule === 'port-holder');
    expect(holder).toHaveLength(1);
    expect(holder[0]).toMatchObject({ fixable: false, title: `port ${gw.port} is held by another program` });
    expect(holder[0]!.evidence).toContain('not started by this Clawback');
    expect(report.services[0]!.outcomes).toEqual([]);
    expect(report.exitCode).toBe(2);
    expect(isAlive(gw.pid)).toBe(true);
    expect(await healthy(gw.port)).toBe(true);
  });

  it('the instance a killed daemon left running is left alone, recorded in state.json or not; a marked copy beside the recorded one is stopped', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    // Each start carries its own instance id, as the daemon gives it.
    const markers = { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir };
    gw = await startDemoGateway({ port, env: { ...markers, CLAWBACK_START_ID: 'first' } });
    const cfg = clawbackConfig(dir, port);
    // What the daemon recorded before it was killed (no daemon.json: the daemon is gone).
    mkdirSync(stateDir, { recursive: true });
    const record = { services: { gw: { record: { instance: { pid: gw.pid, pidStartTime: processStartTime(gw.pid) ?? null } } } } };
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify(record));
    const report = await doctorFix(cfg, stateDir);
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), JSON.stringify(report)).toEqual([]);
    expect(isAlive(gw.pid)).toBe(true);
    expect(await healthy(port)).toBe(true);

    // state.json lost or corrupt (or behind: its writes are coalesced): the marked instance is the one the next daemon
    // adopts (unrecorded-instances.ts), so it is still the live instance, not a stale copy.
    for (const text of ['{"services":{}}', '{"services": {"gw": {"rec']) {
      writeFileSync(path.join(stateDir, 'state.json'), text);
      const lost = await doctorFix(cfg, stateDir);
      expect(lost.services[0]!.findings.filter((f) => f.rule === 'port-holder'), JSON.stringify(lost)).toEqual([]);
      expect(isAlive(gw.pid)).toBe(true);
      expect(await healthy(port)).toBe(true);
    }

    // Control: a marked copy beside the instance state.json records as live is a stale instance of ours, and is stopped.
    other = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { ...markers, CLAWBACK_START_ID: 'second' } });
    await waitFor(() => processStartTime(other!.pid) !== undefined, { timeoutMs: 10_000, message: 'the recorded instance to start' });
    const live = { services: { gw: { record: { instance: { pid: other.pid, pidStartTime: processStartTime(other.pid) ?? null } } } } };
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify(live));
    const again = await doctorFix(cfg, stateDir);
    expect(again.services[0]!.findings.filter((f) => f.rule === 'port-holder')).toMatchObject([{ fixable: true }]);
    expect(again.exitCode).toBe(1);
    await waitFor(() => gw!.child.exitInfo() !== undefined, { timeoutMs: 10_000, message: 'the stale marked copy to exit' });
    expect(isAlive(other.pid)).toBe(true);
  });
  it('with state.json lost and two marked instances, neither is stopped: the healthy one on the port is reported, not touched', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const markers = { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir };
    // The older one is hung (alive, not listening); the younger one is the healthy gateway: nothing proves which is the copy.
    other = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: markers });
    await waitFor(() => processStartTime(other!.pid) !== undefined, { timeoutMs: 10_000, message: 'the older instance to start' });
    gw = await startDemoGateway({ port, env: markers });
    const cfg = clawbackConfig(dir, port);
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'state.json'), '{"services":{}}');
    const report = await doctorFix(cfg, stateDir);
    const holder = report.services[0]!.findings.filter((f) => f.rule === 'port-holder');
    expect(holder, JSON.stringify(report)).toMatchObject([{ fixable: false, title: `port ${port} is held by an unrecorded instance of gw` }]);
    expect(holder[0]!.evidence).toContain(`pid ${gw.pid}`);
    expect(report.services[0]!.outcomes).toEqual([]);
    expect(report.exitCode).toBe(2);
    expect(isAlive(gw.pid)).toBe(true);
    expect(isAlive(other.pid)).toBe(true);
    expect(await healthy(port)).toBe(true);
  });
});
