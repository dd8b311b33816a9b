// A worker the live instance spawned carries its supervision markers (children inherit them); once its own parent exits it
// is no longer in the live instance's process tree, but it is still in the live instance's process group. Holding the
// service's port, it was called "a stale instance" and `clawback doctor --fix` SIGTERMed the healthy service's listener.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { httpGet, isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { processStartTime, readProcStat } from '../../src/platform/proc.js';

/**
 * The live instance (a group leader, as Clawback starts it): it starts a launcher that starts the listening worker and
 * exits, so the worker is reparented away from the instance but stays in its process group. Writes the worker's pid.
 */
const INSTANCE = `import { spawn } from 'node:child_process';
const [port, pidFile] = process.argv.slice(2);
const worker = \`import { createServer } from 'node:http'; import { writeFileSync } from 'node:fs';
createServer((q, s) => s.end('ok')).listen(\${port}, '127.0.0.1', () => writeFileSync(\${JSON.stringify(pidFile)}, String(process.pid)));\`;
const launcher = \`import { spawn } from 'node:child_process'; spawn(process.execPath, ['--input-type=module', '-e', \${JSON.stringify(worker)}], { stdio: 'ignore' }).unref();\`;
spawn(process.execPath, ['--input-type=module', '-e', launcher], { stdio: 'ignore' });
setInterval(() => {}, 1000);
`;

let instance: MarkedChild | undefined;
let workerPid: number | undefined;
afterEach(async () => {
  if (workerPid !== undefined && isAlive(workerPid)) process.kill(workerPid, 'SIGKILL');
  instance?.kill();
  await instance?.exited;
  instance = undefined;
  workerPid = undefined;
});

describe("a worker of the live instance outside its process tree", () => {
  it('is part of the live instance, not a stale copy: doctor --fix leaves it listening', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const port = await freePort();
    const script = path.join(dir, 'instance.mjs');
    writeFileSync(script, INSTANCE);
    const pidFile = path.join(dir, 'worker.pid');
    const markers = { CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: stateDir };
    instance = spawnMarked(process.execPath, [script, String(port), pidFile], { env: markers });
    await waitFor(() => { try { return Number(readFileSync(pidFile, 'utf8')) > 0; } catch { return false; } }, { timeoutMs: 30_000, message: 'the worker to listen' });
    workerPid = Number(readFileSync(pidFile, 'utf8'));
    // Reparented away from the instance (its launcher exited), still in the instance's group.
    await waitFor(() => readProcStat(workerPid!)?.ppid !== undefined && readProcStat(workerPid!)!.ppid !== instance!.pid, { timeoutMs: 30_000, message: 'the launcher to exit' });
    expect(readProcStat(workerPid)!.pgid).toBe(instance.pid);

    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify({ services: { gw: { record: { instance: { pid: instance.pid, pidStartTime: processStartTime(instance.pid) ?? null } } } } }));
    const cfg = path.join(dir, 'clawback.yaml');
    writeFileSync(cfg, YAML.stringify({ services: [{ name: 'gw', command: [process.execPath, script], port, probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/` }] }] }));
    const r = await runCli(['-c', cfg, '--state-dir', stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { services: Array<{ findings: Array<{ rule: string }>; outcomes: unknown[] }> };
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), r.stdout).toEqual([]);
    expect(report.services[0]!.outcomes).toEqual([]);
    expect(isAlive(workerPid)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);

    // Control: the same worker once its instance is dead (killed alone, the worker orphaned on the port) is what is left
    // of a stale instance, and doctor --fix still frees the port.
    process.kill(instance.pid, 'SIGKILL');
    await instance.exited;
    writeFileSync(path.join(stateDir, 'state.json'), '{"services":{}}');
    const again = await runCli(['-c', cfg, '--state-dir', stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const after = JSON.parse(again.stdout) as { services: Array<{ findings: Array<{ rule: string; fixable: boolean }> }> };
    expect(after.services[0]!.findings.filter((f) => f.rule === 'port-holder'), again.stdout).toMatchObject([{ fixable: true }]);
    const stopped = workerPid;
    await waitFor(() => !isAlive(stopped), { timeoutMs: 20_000, message: 'the orphaned worker of the dead instance to be stopped' });
  }, 90_000);
});
