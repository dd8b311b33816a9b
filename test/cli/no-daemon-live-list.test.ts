// Where the CLI finds no daemon it names the live ones (from the config claims): `status -c missing.yaml` said only
// "cannot read: ... (ENOENT)", and `status` typed in another directory said "start it with: ... run", which, pasted,
// started the embedded demo on 18789 in ~/.clawback while the person's daemon ran in another state directory.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
let root: string | undefined;
afterEach(async () => {
  if (daemon) {
    daemon.signal('SIGTERM');
    await daemon.waitForExit(20_000).catch(() => daemon!.kill());
    daemon = undefined;
  }
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('a command that finds no daemon lists the live ones', () => {
  it('for a missing --config, for a moved one a daemon still runs, and for a command typed elsewhere', async () => {
    root = tempDir('clawback-live-list-');
    // Its own temp dir: the config claims of other daemons of this user stay out of the listing.
    const tmp = path.join(root, 'tmp');
    const home = path.join(root, 'home');
    const elsewhere = path.join(root, 'elsewhere');
    for (const d of [tmp, home, elsewhere]) mkdirSync(d, { mode: 0o700 });
    const dir = path.join(root, 'project');
    mkdirSync(dir);
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ stateDir, api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const env = { TMPDIR: tmp, HOME: home, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config], { env, cwd: dir });
    await daemon.waitForStdout('status:', 30_000);
    await waitFor(async () => ((await runCli(['status', '--config', config], { env })).code === 0 ? true : null), { timeoutMs: 20_000, message: 'the daemon answering' });
    const listed = `pid ${daemon.pid} runs ${config}, see it with: `;
    const reach = `--state-dir ${stateDir} status`;

    // A --config that does not exist: exit 2 still, with the command that creates it and the live daemons.
    const missing = path.join(elsewhere, 'missing.yaml');
    const table = await runCli(['status', '-c', missing], { env, cwd: elsewhere });
    expect(table.code).toBe(2);
    expect(table.stderr).toContain('(ENOENT)');
    expect(table.stderr).toContain(`--config ${missing} init`);
    expect(table.stderr).toContain(listed);
    expect(table.stderr).toContain(reach);
    const json = await runCli(['status', '--json', '-c', missing], { env, cwd: elsewhere });
    expect(json.code).toBe(2);
    const err = JSON.parse(json.stdout).error;
    expect(err.kind).toBe('invalid-config');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`--config ${missing} init`);
    expect(err.message).toContain(listed);

    // Typed in another directory with nothing named: `run` would start the demo, and that is said, with the live daemons.
    // Each offers the command typed there (its arguments too, the global options left out), not always `status`.
    const typed: Array<[string[], string]> = [
      [['status'], 'see it with: '],
      [['stop', 'web'], 'reach it with: '],
      [['--state-dir', path.join(home, '.clawback'), 'restart', 'web', '--json'], 'reach it with: '],
    ];
    for (const [args, verb] of typed) {
      const r = await runCli(args, { env, cwd: elsewhere });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('would start the embedded demo');
      expect(r.stderr).toContain(`pid ${daemon.pid} runs ${config}, ${verb}`);
      const again = args[0] === '--state-dir' ? args.slice(2) : args;
      expect(r.stderr).toContain(`--state-dir ${stateDir} ${again.join(' ')};`);
    }

    // `logs web` typed there: it said "no service named web (known: demo-gateway)" (exit 4), the embedded demo's names.
    const logs = await runCli(['logs', 'web', '-n', '3'], { env, cwd: elsewhere });
    expect(logs.code, logs.stderr).toBe(3);
    expect(logs.stderr).not.toContain('no service named');
    expect(logs.stderr).toContain(`pid ${daemon.pid} runs ${config}, reach it with: `);
    expect(logs.stderr).toContain(`--state-dir ${stateDir} logs web -n 3`);
    const logsJson = await runCli(['logs', 'web', '--json'], { env, cwd: elsewhere });
    expect(JSON.parse(logsJson.stdout).error).toMatchObject({ kind: 'daemon-unreachable', exitCode: 3 });
    // The command offered reaches the daemon's service.
    expect((await runCli(['--state-dir', stateDir, 'logs', 'web', '-n', '3'], { env, cwd: elsewhere })).code).toBe(0);

    // The journal commands typed there read an empty state directory: "no incidents in the journal" said nothing more.
    const incidents = await runCli(['incidents'], { env, cwd: elsewhere });
    expect(incidents.code, incidents.stderr).toBe(0);
    expect(incidents.stderr).toContain(`no journal in ${path.join(home, '.clawback')}`);
    expect(incidents.stderr).toContain(`--state-dir ${stateDir} incidents`);
    const incident = await runCli(['incident', 'inc-9'], { env, cwd: elsewhere });
    expect(incident.code, incident.stderr).toBe(4);
    expect(incident.stderr).toContain(`--state-dir ${stateDir} incident inc-9`);
    const digest = await runCli(['digest', '--json'], { env, cwd: elsewhere });
    expect(digest.code, digest.stderr).toBe(0);
    expect(digest.stderr).toContain(`--state-dir ${stateDir} digest --json`);

    // The daemon's config moved away under it: the daemon that claimed the path is the one meant.
    renameSync(config, `${config}.moved`);
    const moved = await runCli(['status', '--json', '-c', config], { env, cwd: elsewhere });
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout).daemon.pid).toBe(daemon.pid);
    renameSync(`${config}.moved`, config);
  }, 90_000);
});
