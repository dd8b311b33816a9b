// One rule for every path field: a leading `~` or `~/` is the home and a relative path is under the service's cwd (or
// the config's folder), in a probe's `file`/`path`/`cwd`, `emergency.allowedPaths` and `cluster.tls` too (they were used
// as written, relative to the daemon's cwd). What the config takes literally (`$HOME/app`, `~user/x`, `~/x` in an argv)
// is said by validate, naming the field, where it had been silent (`cwd: $HOME/app` ran in ./$HOME/app).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function load(text: string): ReturnType<typeof loadConfig> {
  const dir = tempDir();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, text);
  return loadConfig({ file, env: {} });
}

describe('paths in the config', () => {
  it('expand ~ and resolve against the service cwd in every path field, probes, allowedPaths and cluster.tls included', () => {
    const home = os.homedir();
    const { config } = load(
      [
        'cluster: { endpoints: [http://127.0.0.1:2379], member: a, tls: { ca: ~/ca.pem } }',
        'services:',
        '  - name: app',
        '    command: [sleep, "1"]',
        '    cwd: /srv/app',
        '    emergency: { adapter: claude, allowedPaths: [~/conf, data] }',
        '    probes:',
        '      - { kind: log, name: l, pattern: x, file: ~/out.log }',
        '      - { kind: config, name: c, path: conf.json }',
        '      - { kind: command, name: k, command: ["true"], cwd: ~/k }',
      ].join('\n'),
    );
    const s = config.services[0]!;
    expect(config.cluster!.tls!.ca).toBe(path.join(home, 'ca.pem'));
    expect(s.emergency!.allowedPaths).toEqual([path.join(home, 'conf'), '/srv/app/data']);
    const probe = (n: string): Record<string, unknown> => s.probes.find((p) => p.name === n) as unknown as Record<string, unknown>;
    expect(probe('l')['file']).toBe(path.join(home, 'out.log'));
    expect(probe('c')['path']).toBe('/srv/app/conf.json');
    expect(probe('k')['cwd']).toBe(path.join(home, 'k'));
  });

  it('warns, naming the field and the value, where a path or an argv entry is taken literally', () => {
    const w = load(
      [
        'services:',
        '  - name: app',
        '    command: [node, ~/app.js, "--home=$HOME/x"]',
        '    cwd: $HOME/app',
        '    logs: { dir: "${HOME}/logs" }',
        '    pidFiles: [~bob/app.pid, ~/ok.pid, ./plain.pid]',
        '    probes: [{ kind: log, name: l, pattern: x, file: "$LOGS/x.log" }]',
        '  - { name: sh, command: [sh, -c, "cd ~/app && exec node $HOME/x.js"], cwd: ~/app }',
        '  - { name: shell, shell: true, command: ["node ~/x.js"] }',
      ].join('\n'),
    ).warnings;
    expect(w).toHaveLength(5);
    expect(w).toContainEqual(expect.stringContaining('services[0].cwd: "$HOME/app" is taken literally, $HOME included (environment variables are not expanded in the config; a leading ~ or ~/ is your home in every path field); expected ~/app'));
    expect(w).toContainEqual(expect.stringContaining('services[0].logs.dir: "${HOME}/logs" is taken literally'));
    expect(w).toContainEqual(expect.stringContaining('services[0].pidFiles[0]: "~bob/app.pid" is taken literally, a relative path into a folder named "~bob"'));
    expect(w).toContainEqual(expect.stringContaining('`echo ~bob` in a shell prints it'));
    expect(w).toContainEqual(expect.stringContaining('services[0].probes[0].file: "$LOGS/x.log" is taken literally, $LOGS included'));
    expect(w).toContainEqual(expect.stringContaining('services[0].command: "~/app.js", "--home=$HOME/x" are passed to the program as written (an argv is not a shell'));
    expect(w.join('\n')).not.toMatch(/services\[[12]\]|ok\.pid|plain\.pid/);
  });

  it('warns of ~ in the other argvs too: the agent command and binary, the OpenClaw CLI, npm and the autoscale command', () => {
    const w = load(
      [
        'services:',
        '  - name: app',
        '    command: [node, app.js]',
        '    emergency: { adapter: command, command: [~/bin/agent, --fix] }',
        '    openclaw: { cli: [~/.npm-global/bin/openclaw] }',
        '    update: { npm: [~/n/bin/npm], installArgs: ["--prefix=$HOME/x"] }',
        '    autoscale: { min: 1, max: 2, metric: command, target: 50, command: [~/scale.sh] }',
        '  - name: other',
        '    command: [node, app.js]',
        '    emergency: { adapter: claude, binary: ~/.local/bin/claude }',
      ].join('\n'),
    ).warnings;
    for (const field of ['emergency.command', 'openclaw.cli', 'update.npm', 'update.installArgs', 'autoscale.command']) {
      expect(w).toContainEqual(expect.stringContaining(`services[0].${field}: `));
    }
    expect(w).toContainEqual(expect.stringContaining('services[1].emergency.binary: "~/.local/bin/claude" is passed to the program as written'));
  });

  it('validate says it on stderr and exits 0', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, 'services:\n  - { name: app, command: [sleep, "1"], cwd: "$HOME/app" }\n');
    const r = await runCli(['validate', '-c', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: service "app": services[0].cwd: "$HOME/app" is taken literally');
  });

  it('a log probe with a relative file reads it in the service cwd (real daemon and service)', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'app'));
    const t: TestDaemon = await startTestDaemon({
      services: [
        {
          name: 'svc',
          cwd: 'app',
          command: [NODE, '-e', "const fs=require('fs'); setInterval(()=>fs.appendFileSync('own.log','BOOM-own\\n'), 200);"],
          probes: [{ kind: 'log', name: 'own', pattern: 'BOOM-own', file: 'own.log', interval: '500ms', startupGrace: '0s', action: 'notify' }],
        },
      ],
    }, { dir });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().probes[0]?.lastResult?.status === 'failure', { timeoutMs: 20_000, message: 'the log probe saw BOOM-own in app/own.log' });
    expect(rt.status().probes[0]?.lastResult?.message).toContain(path.join(dir, 'app', 'own.log'));
  });
});
