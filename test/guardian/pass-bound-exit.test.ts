// `--help` says a pass past its --pass-timeout "reports timed-out and exits 1", but every such pass was SIGKILLed by its
// watchdog child (exit status 137: "killed" to cron and systemd), and the bound counted from the child's start, not the
// pass's (a 3 s bound took 6.4 s under load). A pass whose step awaits (a webhook that never answers, a daemon that
// does not come up) now ends itself within the bound with its report and exit 1; the SIGKILL is left for a step that
// blocks the process.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A port that accepts and never answers. */
async function listen(): Promise<number> {
  const port = await freePort();
  const server = net.createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return port;
}

/** A state dir whose daemon cannot start (its API port is held) and a channel that accepts and never answers. */
async function stuckPass(): Promise<{ stateDir: string; configPath: string }> {
  const dir = tempDir('clawback-pass-bound-');
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(stateDir, 'state.json'), '{}');
  // The daemon cannot start (its API port is held); the channel accepts and never answers.
  const apiPort = await listen();
  const hookPort = await listen();
  cleanup.push(async () => {
    // The daemon the pass started gives up on the held port by itself: the port is held until it said so.
    const log = path.join(stateDir, 'logs', 'daemon.out.log');
    await waitFor(() => (!existsSync(log) || readFileSync(log, 'utf8').includes('cannot serve') ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 }).catch(() => undefined);
  });
  const configPath = path.join(dir, 'clawback.yaml');
  const service = { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'], restart: { policy: 'never' } };
  writeFileSync(configPath, YAML.stringify(markServices({ api: { port: apiPort }, notify: { channels: [{ type: 'webhook', url: `http://127.0.0.1:${hookPort}/hook` }] }, services: [service] })));
  return { stateDir, configPath };
}

/**
 * When the pass's process began running JavaScript (a preload writes it): the bound counts from there, so the time
 * before (node's own start, slow on a loaded host: 8.8 s once) is no part of what the tests below judge.
 */
function passStart(stateDir: string): { env: Record<string, string>; startedAt(): number } {
  const mark = path.join(path.dirname(stateDir), 'pass-started');
  const preload = path.join(path.dirname(stateDir), 'pass-start.cjs');
  // The first such process only (flag wx): a child of the pass (its watchdog) keeps the pass's mark.
  writeFileSync(preload, `if (process.argv.includes('guardian')) try { require('node:fs').writeFileSync(${JSON.stringify(mark)}, String(Date.now()), { flag: 'wx' }); } catch {}\n`);
  return { env: { NODE_OPTIONS: `--require ${preload}` }, startedAt: () => Number(readFileSync(mark, 'utf8')) };
}

describe('guardian --pass-timeout', () => {
  it('--help says what the pass exits with past its bound', async () => {
    const r = await runCli(['guardian', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/exits 1, or 137 \(SIGKILL by its watchdog\) when a step blocks its process/);
  });

  it('a pass stuck in a step that awaits ends within its bound with a timed-out report and exit 1, as --help says', async () => {
    const { stateDir, configPath } = await stuckPass();
    // 1 s: less than the daemon's own failed start takes, whatever share of it each step keeps.
    const start = passStart(stateDir);
    const r = await runCli(['guardian', '--once', '--pass-timeout', '1s', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 30_000, env: start.env });
    const took = Date.now() - start.startedAt();
    const report = JSON.parse(r.stdout) as { outcome: string; errors: string[]; actions: string[] };
    expect(report.outcome).toBe('timed-out');
    expect(report.errors.join('\n')).toContain('exit 1');
    // One line under --json, as every other answer of the pass.
    const again = await stuckPass();
    const oneLine = await runCli(['guardian', '--once', '--json', '--pass-timeout', '1s', '--config', again.configPath, '--state-dir', again.stateDir], { timeoutMs: 30_000 });
    expect(oneLine.stdout.trim().split('\n'), oneLine.stdout).toHaveLength(1);
    expect((JSON.parse(oneLine.stdout) as { outcome: string }).outcome).toBe('timed-out');
    expect(r.code, `exit ${r.code} after ${took} ms`).toBe(1);
    // Counted from the pass's start; the slack is the exit under load, not a second bound (its steps alone keep 30 s).
    expect(took).toBeLessThan(1000 + 4000);
  }, 60_000);

  it('a bound shorter than the default shares itself: the daemon wait and the alert keep within it, the alert is spooled, not the pass killed', async () => {
    const { stateDir, configPath } = await stuckPass();
    const start = passStart(stateDir);
    const r = await runCli(['guardian', '--once', '--pass-timeout', '8s', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 30_000, env: start.env });
    const took = Date.now() - start.startedAt();
    const report = JSON.parse(r.stdout) as { outcome: string; errors: string[]; actions: string[] };
    // Its steps kept 30 s and 10 s for themselves whatever the bound: the pass was ended at "checking and reviving the
    // daemon" or "alerting the notify channels", and the person was never told the daemon is down.
    expect(report.outcome, r.stdout).toBe('daemon-down');
    expect(report.actions.join('\n')).toMatch(/told webhook: daemon\.crashed \(1 not delivered yet: kept in .* for the next pass\)/);
    expect(r.code).toBe(1);
    expect(took).toBeLessThan(8000 + 4000);
  }, 60_000);
  it('a pass that took seconds to load still tells: its steps share what is left of the bound, counted from the pass start', async () => {
    const { stateDir, configPath } = await stuckPass();
    // Stands in for a pass loading under load: 3 s busy before the CLI runs (the guardian pass only, not its children).
    const slow = path.join(path.dirname(stateDir), 'slow-load.cjs');
    writeFileSync(slow, "if (process.argv.includes('guardian')) { const t = Date.now(); while (Date.now() - t < 3000) {} }\n");
    const r = await runCli(['guardian', '--once', '--json', '--pass-timeout', '8s', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 30_000, env: { NODE_OPTIONS: `--require ${slow}` } });
    const report = JSON.parse(r.stdout) as { outcome: string; errors: string[]; actions: string[] };
    // Its checks kept 60 % of the bound counted from their own start (4.8 s from 3 s): the pass was ended at
    // "checking and reviving the daemon", timed-out, and nobody was told the daemon is down.
    expect(report.outcome, r.stdout).toBe('daemon-down');
    expect(report.actions.join('\n')).toMatch(/told webhook: daemon\.crashed/);
  }, 60_000);
});
