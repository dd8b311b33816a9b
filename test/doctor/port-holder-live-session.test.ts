// A worker the live instance spawned in its own session (spawn detached: true / setsid), whose launcher exited, is in
// neither the instance's process tree nor its process group; as the only listener on the port, `clawback doctor --fix`
// called it "a stale instance of gw" and SIGTERMed the healthy service's listener. The instance id every process Clawback
// starts carries (CLAWBACK_START_ID, inherited by its workers) names it part of the live instance.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { httpGet, isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { processStartTime, readProcStat } from '../../src/platform/proc.js';

/** The live instance: a launcher starts the listening worker in its own session and exits. Writes the worker's pid. */
const INSTANCE = `import { spawn } from 'node:child_process';
const [port, pidFile] = process.argv.slice(2);
const worker = \`import { createServer } from 'node:http'; import { writeFileSync } from 'node:fs';
createServer((q, s) => s.end('ok')).listen(\${port}, '127.0.0.1', () => writeFileSync(\${JSON.stringify(pidFile)}, String(process.pid)));\`;
// "drop-id": the launcher starts the worker with an environment that lacks CLAWBACK_START_ID (its other markers kept).
const env = process.argv[4] === 'drop-id' ? Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CLAWBACK_START_ID')) : process.env;
const launcher = \`import { spawn } from 'node:child_process'; spawn(process.execPath, ['--input-type=module', '-e', \${JSON.stringify(worker)}], { stdio: 'ignore', detached: true, env: \${JSON.stringify(env)} }).unref();\`;
spawn(process.execPath, ['--input-type=module', '-e', launcher], { stdio: 'ignore' });
setInterval(() => {}, 1000);
`;

interface Report {
  exitCode: number;
  services: Array<{ findings: Array<{ rule: string; title: string; fixable: boolean }>; outcomes: unknown[] }>;
}

const children: MarkedChild[] = [];
const workers: number[] = [];
afterEach(async () => {
  for (const pid of workers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const c of children.splice(0)) {
    c.kill();
    await c.exited;
  }
});

/** Starts the instance with `markers`; resolves once its session-leading worker listens, orphaned from its launcher. */
async function startInstance(dir: string, port: number, markers: Record<string, string>, mode = ''): Promise<{ instance: MarkedChild; worker: number; script: string }> {
  const script = path.join(dir, 'instance.mjs');
  writeFileSync(script, INSTANCE);
  const pidFile = path.join(dir, `worker-${children.length}.pid`);
  const instance = spawnMarked(process.execPath, [script, String(port), pidFile, mode], { env: markers });
  children.push(instance);
  await waitFor(() => { try { return Number(readFileSync(pidFile, 'utf8')) > 0; } catch { return false; } }, { timeoutMs: 30_000, message: 'the worker to listen' });
  const worker = Number(readFileSync(pidFile, 'utf8'));
  workers.push(worker);
  await waitFor(() => { const st = readProcStat(worker); return st !== undefined && st.ppid !== instance.pid; }, { timeoutMs: 30_000, message: 'the launcher to exit' });
  // Out of the instance's tree and group: its own session.
  expect(readProcStat(worker)!.pgid).toBe(worker);
  return { instance, worker, script };
}

function record(stateDir: string, pid: number): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify({ services: { gw: { record: { instance: { pid, pidStartTime: processStartTime(pid) ?? null } } } } }));
}

async function doctorFix(dir: string, stateDir: string, port: number, script: string): Promise<Report> {
  const cfg = path.join(dir, 'clawback.yaml');
  writeFileSync(cfg, YAML.stringify({ services: [{ name: 'gw', command: [process.execPath, script], port, probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/` }] }] }));
  const r = await runCli(['-c', cfg, '--state-dir', stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
  return JSON.parse(r.stdout) as Report;
}

const portHolder = (r: Report): Array<{ rule: string; title: string; fixable: boolean }> => r.services[0]!.findings.filter((f) => f.rule === 'port-holder');

describe('a worker of the live instance in its own session', () => {
  it('is part of the live instance (same instance id): doctor --fix leaves it listening, state.json kept or lost', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const { instance, worker, script } = await startInstance(dir, port, { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir, CLAWBACK_START_ID: 'live-1' });
    record(stateDir, instance.pid);
    const r = await doctorFix(dir, stateDir, port, script);
    expect(portHolder(r), JSON.stringify(r)).toEqual([]);
    expect(r.services[0]!.outcomes).toEqual([]);
    expect(isAlive(worker)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);

    // state.json lost: the worker leads its own group too, yet it is the same instance, not a second unrecorded one.
    writeFileSync(path.join(stateDir, 'state.json'), '{"services":{}}');
    const lost = await doctorFix(dir, stateDir, port, script);
    expect(portHolder(lost), JSON.stringify(lost)).toEqual([]);
    expect(isAlive(worker)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);
  }, 120_000);

  it('a worker left by an earlier instance (another instance id) on the port is stale and stopped; the live instance is not', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const old = await startInstance(dir, port, { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir, CLAWBACK_START_ID: 'old-1' });
    const live = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir, CLAWBACK_START_ID: 'live-2' } });
    children.push(live);
    await waitFor(() => processStartTime(live.pid) !== undefined, { timeoutMs: 10_000, message: 'the live instance to start' });
    record(stateDir, live.pid);
    const r = await doctorFix(dir, stateDir, port, old.script);
    expect(portHolder(r), JSON.stringify(r)).toMatchObject([{ fixable: true, title: `a stale instance of gw holds port ${port}` }]);
    await waitFor(() => !isAlive(old.worker), { timeoutMs: 20_000, message: 'the stale worker to be stopped' });
    expect(isAlive(live.pid)).toBe(true);
  }, 120_000);

  it('a worker of the live instance that dropped CLAWBACK_START_ID (CLAWBACK_SERVICE kept) is not certainly stale: reported, never stopped', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const { instance, worker, script } = await startInstance(dir, port, { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir, CLAWBACK_START_ID: 'live-3' }, 'drop-id');
    expect(readFileSync(`/proc/${worker}/environ`, 'utf8')).not.toContain('CLAWBACK_START_ID=');
    expect(readFileSync(`/proc/${worker}/environ`, 'utf8')).toContain('CLAWBACK_SERVICE=gw');
    record(stateDir, instance.pid);
    const r = await doctorFix(dir, stateDir, port, script);
    expect(portHolder(r), JSON.stringify(r)).toMatchObject([{ fixable: false }]);
    expect(r.services[0]!.outcomes).toEqual([]);
    expect(isAlive(worker)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);
  }, 120_000);

  it('without instance ids (started by an older Clawback) it cannot be told from a leftover: reported, never stopped', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const { instance, worker, script } = await startInstance(dir, port, { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir });
    record(stateDir, instance.pid);
    const r = await doctorFix(dir, stateDir, port, script);
    expect(portHolder(r), JSON.stringify(r)).toMatchObject([{ fixable: false }]);
    expect(r.services[0]!.outcomes).toEqual([]);
    expect(isAlive(worker)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);
  }, 120_000);
});
