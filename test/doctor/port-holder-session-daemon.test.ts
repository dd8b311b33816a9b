// End to end: the daemon starts a service whose listening worker runs in its own session (its launcher exited), so the
// worker is outside the instance's tree and group. `clawback doctor --fix`, with the daemon live and once it is gone
// (its service left running), stops nothing and changes no file: the instance id the daemon gave the start names the
// worker part of the live instance.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, isAlive, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/cli.js';
import { environOf, readProcStat } from '../../src/platform/proc.js';

const INSTANCE = `import { spawn } from 'node:child_process';
const [port, pidFile] = process.argv.slice(2);
const worker = \`import { createServer } from 'node:http'; import { writeFileSync } from 'node:fs';
createServer((q, s) => s.end('ok')).listen(\${port}, '127.0.0.1', () => writeFileSync(\${JSON.stringify(pidFile)}, String(process.pid)));\`;
const launcher = \`import { spawn } from 'node:child_process'; spawn(process.execPath, ['--input-type=module', '-e', \${JSON.stringify(worker)}], { stdio: 'ignore', detached: true }).unref();\`;
spawn(process.execPath, ['--input-type=module', '-e', launcher], { stdio: 'ignore' });
setInterval(() => {}, 1000);
`;

let td: TestDaemon | undefined;
const started: number[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

const hash = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('doctor --fix next to a healthy instance whose worker made its own session', () => {
  it('stops nothing and changes no file, with the daemon live and after it is gone', async () => {
    const port = await freePort();
    const dir = tempDir();
    const script = path.join(dir, 'instance.mjs');
    const pidFile = path.join(dir, 'worker.pid');
    writeFileSync(script, INSTANCE);
    td = await startTestDaemon({ services: [{ name: 'gw', command: [NODE, script, String(port), pidFile], port, probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/`, interval: '300ms' }] }] }, { dir });
    const t = td;
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => { try { return Number(readFileSync(pidFile, 'utf8')) > 0; } catch { return false; } }, { timeoutMs: 30_000, message: 'the worker to listen' });
    const worker = Number(readFileSync(pidFile, 'utf8'));
    const instance = rt.status().pid!;
    started.push(worker, instance);
    await waitFor(() => { const st = readProcStat(worker); return st !== undefined && st.ppid !== instance; }, { timeoutMs: 30_000, message: 'the launcher to exit' });
    expect(readProcStat(worker)!.pgid).toBe(worker);
    expect(environOf(worker, 'CLAWBACK_START_ID')).toBe(environOf(instance, 'CLAWBACK_START_ID'));
    expect(environOf(instance, 'CLAWBACK_START_ID')).toMatch(/\S/);
    await waitFor(() => td!.journal().some((e) => e.type === 'daemon.started'), { timeoutMs: 10_000 });
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 30_000, message: 'gw to be healthy' });

    const files = [td.configFile, script];
    const before = files.map(hash);
    const cli = (): ReturnType<typeof runCli> => runCli(['doctor', 'gw', '--fix', '--json', '--config', t.configFile, '--state-dir', t.stateDir], { cwd: t.dir, timeoutMs: 60_000 });
    const live = await cli();
    expect(live.stdout).not.toContain('stale instance');
    expect(isAlive(worker) && isAlive(instance)).toBe(true);
    expect(rt.status().pid).toBe(instance);

    // The daemon gone, its service left running: the CLI runs the rules itself against state.json.
    await td.daemon.stop({ stopServices: false });
    td = undefined;
    const alone = await cli();
    const report = JSON.parse(alone.stdout) as { services: Array<{ findings: Array<{ rule: string }>; outcomes: unknown[] }> };
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), alone.stdout).toEqual([]);
    expect(report.services[0]!.outcomes).toEqual([]);
    expect(isAlive(worker) && isAlive(instance)).toBe(true);
    expect((await httpGet(`http://127.0.0.1:${port}/`, 2000)).status).toBe(200);
    expect(files.map(hash)).toEqual(before);
    process.kill(-instance, 'SIGKILL');
  }, 150_000);
});
