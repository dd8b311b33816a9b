// A person's stop that lands after the guardian looked for daemon.stopped and before its daemon starts (a daemon they
// ran meanwhile and stopped with Ctrl-C) was undone: the guardian removed the marker and its daemon ran. The daemon the
// guardian starts now reads the marker once it holds daemon.lock, keeps it and exits; the pass says "stopped".
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isRunning, pidRef, signalProcess, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

// Preloaded into the guardian only: right before it spawns its daemon (the window after its look for daemon.stopped,
// widened), the person runs `clawback run` and stops it with Ctrl-C, which writes daemon.stopped.
const PERSON = (configPath: string, stateDir: string, log: string): string => `
const cp = require('child_process');
if (process.argv.includes('guardian')) {
  const spawn = cp.spawn;
  cp.spawn = function (cmd, args) {
    if (Array.isArray(args) && args.includes('--started-by-guardian')) {
      const env = { ...process.env, NODE_OPTIONS: '' };
      cp.execFileSync('/bin/sh', ['-c', 'node "$0" run --config "$1" --state-dir "$2" > "$3" 2>&1 & p=$!; i=0; until grep -q "dashboard:" "$3"; do i=$((i+1)); [ $i -gt 600 ] && break; sleep 0.1; done; kill -INT $p; wait $p', ${JSON.stringify(CLI)}, ${JSON.stringify(configPath)}, ${JSON.stringify(stateDir)}, ${JSON.stringify(log)}], { env, stdio: 'ignore', timeout: 90000 });
    }
    return spawn.apply(this, arguments);
  };
  require('module').syncBuiltinESMExports();
}
`;

describe('a stop on purpose after the guardian looked', () => {
  it('is kept: the daemon the guardian starts finds daemon.stopped under its lock and does not run', async () => {
    const dir = tempDir('clawback-stop-after-look-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const preload = path.join(dir, 'person.cjs');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    writeFileSync(preload, PERSON(configPath, stateDir, path.join(dir, 'person-run.log')));
    cleanup.push(async () => {
      // A daemon that ran anyway (the defect): stopped with its services.
      try {
        const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; pidStartTime: number | null };
        const ref = pidRef(info.pid, info.pidStartTime);
        if (signalProcess(ref, 'SIGINT')) await waitFor(() => !isRunning(ref) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => signalProcess(ref, 'SIGKILL'));
      } catch {
        // no daemon.json: none runs
      }
    });

    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], {
      env: { HOME: path.join(dir, 'home'), NODE_OPTIONS: `--require ${preload}` },
      timeoutMs: 120_000,
    });
    expect(readFileSync(path.join(dir, 'person-run.log'), 'utf8')).toMatch(/dashboard:/);
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[] };
    // The daemon it started has exited by now, or it wrote daemon.json (the defect): give it the time to say which.
    const out = path.join(stateDir, 'logs', 'daemon.out.log');
    await waitFor(() => existsSync(path.join(stateDir, 'daemon.json')) || (existsSync(out) && /stopped on purpose/.test(readFileSync(out, 'utf8'))) || undefined, { timeoutMs: 30_000, intervalMs: 100 });
    expect(existsSync(path.join(stateDir, 'daemon.json')), `the guardian's daemon ran after the person's stop:\n${report.actions.join('\n')}`).toBe(false);
    expect(existsSync(path.join(stateDir, 'daemon.stopped'))).toBe(true);
    expect(report.outcome, report.actions.join('\n')).toBe('stopped');
  }, 180_000);
});
