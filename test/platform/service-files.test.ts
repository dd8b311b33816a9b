// The generated service-manager files: systemd units accepted by systemd-analyze, plists that parse, a crontab entry merged idempotently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import plist from 'plist';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import {
  cronShellQuote,
  defaultPath,
  guardianCronEntry,
  launchdDaemonPlist,
  launchdGuardianPlist,
  mergeCrontab,
  serviceNames,
  systemdDaemonUnit,
  systemdGuardianService,
  systemdGuardianTimer,
  systemdQuoteArg,
  type ServiceFileInputs,
} from '../../src/platform/service-files.js';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

let dir: string;
let inputs: ServiceFileInputs;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'clawback-units-'));
  // Awkward paths on purpose: spaces, %, $ and quotes must survive systemd's parser.
  const weird = path.join(dir, 'app dir %h $HOME');
  await mkdir(weird, { recursive: true });
  const entryPath = path.join(weird, 'main.js');
  await writeFile(entryPath, '');
  const nodeLink = path.join(weird, 'node bin');
  await symlink(process.execPath, nodeLink);
  inputs = {
    nodePath: nodeLink,
    entryPath,
    configPath: path.join(weird, `clawback "prod".yaml`),
    stateDir: path.join(dir, 'state'),
    env: { OPENAI_BASE: 'http://127.0.0.1:1/v1', WEIRD: `a "b" $c %d \\e` },
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs systemd-analyze verify in user mode (with a private runtime dir) or, if no user manager can start, system mode. */
async function verify(files: string[]): Promise<{ code: number | null; output: string; mode: string }> {
  const runner = realCommandRunner();
  const runtime = await mkdtemp(path.join(tmpdir(), 'clawback-xdg-'));
  await chmod(runtime, 0o700);
  try {
    const env = { CLAWBACK_TEST_CHILD: '1', XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_LEVEL: 'notice' };
    let r = await runner.run([SYSTEMD_ANALYZE, '--user', 'verify', ...files], { env, timeoutMs: 30_000 });
    let mode = 'user';
    if (/Failed to initialize manager/i.test(r.stderr)) {
      r = await runner.run([SYSTEMD_ANALYZE, 'verify', ...files], { env, timeoutMs: 30_000 });
      mode = 'system';
    }
    return { code: r.code, output: `${r.stdout}${r.stderr}`, mode };
  } finally {
    await rm(runtime, { recursive: true, force: true });
  }
}

describe('systemd units', () => {
  it.skipIf(!existsSync(SYSTEMD_ANALYZE))('pass systemd-analyze verify with nothing said about our units', async () => {
    const unitDir = path.join(dir, 'units');
    await mkdir(unitDir, { recursive: true });
    const names = serviceNames();
    const files = [
      [names.systemdService, systemdDaemonUnit(inputs)],
      [names.systemdGuardianService, systemdGuardianService(inputs)],
      [names.systemdGuardianTimer, systemdGuardianTimer(inputs)],
    ] as const;
    for (const [name, text] of files) await writeFile(path.join(unitDir, name), text);
    const paths = files.map(([name]) => path.join(unitDir, name));
    const { code, output, mode } = await verify(paths);
    const aboutUs = output
      .split('\n')
      .filter((line) => line.trim() !== '' && (line.includes(unitDir) || /clawback/.test(line)));
    expect(aboutUs, `systemd-analyze (${mode}) said:\n${output}`).toEqual([]);
    expect(code, `systemd-analyze (${mode}) said:\n${output}`).toBe(0);
  });

  it.skipIf(!existsSync(SYSTEMD_ANALYZE))('load with node under a path with a quote or a backslash (systemd refuses such an executable name)', async () => {
    const home = path.join(dir, `o'brien "x" \\y`);
    await mkdir(path.join(home, 'bin'), { recursive: true });
    const nodePath = path.join(home, 'bin', 'node');
    await symlink(process.execPath, nodePath);
    const unitDir = path.join(dir, 'quoted-node');
    await mkdir(unitDir, { recursive: true });
    const names = serviceNames();
    const odd = { ...inputs, nodePath };
    const files = [
      [names.systemdService, systemdDaemonUnit(odd)],
      [names.systemdGuardianService, systemdGuardianService(odd)],
    ] as const;
    for (const [name, text] of files) await writeFile(path.join(unitDir, name), text);
    const { code, output, mode } = await verify(files.map(([name]) => path.join(unitDir, name)));
    const aboutUs = output.split('\n').filter((line) => line.trim() !== '' && (line.includes(unitDir) || /clawback/.test(line)));
    expect(aboutUs, `systemd-analyze (${mode}) said:\n${output}`).toEqual([]);
    expect(code, `systemd-analyze (${mode}) said:\n${output}`).toBe(0);
  });

  it('runs a node path systemd would refuse through /usr/bin/env, the same argv otherwise', () => {
    const nodePath = `/home/o'brien/.nvm/bin/node`;
    const exec = (text: string): string => /^ExecStart=(.*)$/m.exec(text)?.[1] ?? '';
    const rest = exec(systemdDaemonUnit(inputs)).slice(systemdQuoteArg(inputs.nodePath, { executable: true }).length);
    expect(rest).toMatch(/^ --max-semi-space-size=1 .* run --keep-services-on-sigterm --config /);
    expect(exec(systemdDaemonUnit({ ...inputs, nodePath }))).toBe(`/usr/bin/env "/home/o'brien/.nvm/bin/node"${rest}`);
    expect(exec(systemdGuardianService({ ...inputs, nodePath: '/opt/a\\b/node' }))).toMatch(/^\/usr\/bin\/env "\/opt\/a\\\\b\/node" /);
    expect(exec(systemdGuardianService(inputs))).toMatch(/^"[^"]*node bin" /);
  });

  it('notices a missing ExecStart binary (the check above is real)', async () => {
    const unitDir = path.join(dir, 'broken');
    await mkdir(unitDir, { recursive: true });
    const file = path.join(unitDir, 'clawback.service');
    await writeFile(file, systemdDaemonUnit({ ...inputs, nodePath: path.join(dir, 'no such node') }));
    const { code, output } = await verify([file]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/not executable|No such file/);
  });

  it('puts StartLimit keys in [Unit], KillMode=process and restart policy in [Service]', () => {
    const text = systemdDaemonUnit(inputs);
    const section = (name: string): string => text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
    expect(section('Unit')).toMatch(/^StartLimitIntervalSec=300$/m);
    expect(section('Unit')).toMatch(/^StartLimitBurst=10$/m);
    expect(section('Service')).not.toMatch(/StartLimit/);
    expect(section('Service')).toMatch(/^Type=simple$/m);
    expect(section('Service')).toMatch(/^Restart=always$/m);
    expect(section('Service')).toMatch(/^RestartSec=2$/m);
    // `clawback run` exits 78 on a config it cannot load: no restart loop on it.
    expect(section('Service')).toMatch(/^RestartPreventExitStatus=78$/m);
    expect(section('Service')).toMatch(/^KillMode=process$/m);
    expect(section('Install')).toMatch(/^WantedBy=default.target$/m);
    expect(section('Service')).toMatch(/^Environment="WEIRD=a \\"b\\" \$c %%d \\\\e"$/m);
    expect(text).not.toMatch(/RestartSteps/);
    const newer = systemdDaemonUnit({ ...inputs, systemdVersion: 254 });
    expect(newer).toMatch(/^RestartSteps=5$/m);
    expect(newer).toMatch(/^RestartMaxDelaySec=60$/m);
  });

  it('quotes ExecStart words per systemd rules', () => {
    expect(systemdQuoteArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdQuoteArg('a b')).toBe('"a b"');
    expect(systemdQuoteArg('100%')).toBe('100%%');
    expect(systemdQuoteArg('$HOME')).toBe('$$HOME');
    expect(systemdQuoteArg('/opt/$x/node', { executable: true })).toBe('/opt/$x/node');
    expect(systemdQuoteArg('say "hi"')).toBe('"say \\"hi\\""');
    expect(systemdQuoteArg('back\\slash')).toBe('"back\\\\slash"');
    expect(systemdQuoteArg('')).toBe('""');
    expect(systemdQuoteArg(';')).toBe('\\;');
    expect(() => systemdQuoteArg('a\nb')).toThrow(/newline/);
  });

  it('guardian timer repeats every guardianIntervalSec and the service is a oneshot guardian --once', () => {
    const timer = systemdGuardianTimer({ ...inputs, guardianIntervalSec: 90 });
    expect(timer).toMatch(/^OnBootSec=90s$/m);
    expect(timer).toMatch(/^OnUnitActiveSec=90s$/m);
    expect(timer).toMatch(/^AccuracySec=\d+s$/m);
    expect(timer).toMatch(/^WantedBy=timers.target$/m);
    const svc = systemdGuardianService(inputs);
    expect(svc).toMatch(/^Type=oneshot$/m);
    expect(svc).toMatch(/ guardian --once --config /);
  });

  it('the guardian service leaves a daemon it started itself running when its pass ends (KillMode=process)', () => {
    // A oneshot's cgroup is killed when it exits (default KillMode=control-group): a daemon the guardian started
    // directly (systemctl restart refused after a crash loop), and the services it or probeServices started, died with
    // the pass; the daemon's SIGTERM then stopped every service and wrote daemon.stopped. launchd's plist abandons them.
    const svc = systemdGuardianService(inputs);
    const service = svc.split(/^\[/m).find((s) => s.startsWith('Service]')) ?? '';
    expect(service).toMatch(/^KillMode=process$/m);
    expect(plist.parse(launchdGuardianPlist(inputs)) as Record<string, unknown>).toMatchObject({ AbandonProcessGroup: true });
  });

  it('rejects relative paths and bad env names', () => {
    expect(() => systemdDaemonUnit({ ...inputs, configPath: 'clawback.yaml' })).toThrow(/absolute/);
    expect(() => systemdDaemonUnit({ ...inputs, env: { 'BAD-NAME': 'x' } })).toThrow(/not valid/);
    expect(() => systemdDaemonUnit({ ...inputs, label: 'Bad Label' })).toThrow(/label/);
  });
});

describe('default PATH of the units', () => {
  it("pins node's directory first, then carries the installing shell's absolute PATH entries, then the system ones", () => {
    const userPath = `/home/u/.nvm/versions/node/v22.1.0/bin:.::bin:/home/u/.local/bin/:/opt/homebrew/bin:/usr/bin:/home/u/my tools %h $HOME`;
    const p = defaultPath('/home/u/.nvm/versions/node/v20.9.0/bin/node', 'darwin', userPath).split(':');
    expect(p[0]).toBe('/home/u/.nvm/versions/node/v20.9.0/bin');
    expect(p.slice(1, 6)).toEqual(['/home/u/.nvm/versions/node/v22.1.0/bin', '/home/u/.local/bin', '/opt/homebrew/bin', '/usr/bin', '/home/u/my tools %h $HOME']);
    expect(p).not.toContain('.');
    expect(p).not.toContain('');
    expect(p).not.toContain('bin');
    expect(p).toContain('/sbin');
    expect(new Set(p).size).toBe(p.length);
  });

  it('reaches the systemd unit, the plist and the cron line as the same PATH', async () => {
    const userPath = '/home/u/.local/bin:/home/u/my tools %h $HOME:/usr/bin';
    const want = defaultPath(inputs.nodePath, 'linux', userPath);
    expect(want).toContain('/home/u/.local/bin');
    const { env: _env, ...plain } = inputs;
    const unit = systemdDaemonUnit({ ...plain, userPath });
    expect(unit).toContain(`Environment="PATH=${want.replace(/%/g, '%%')}"`);
    const parsed = plist.parse(launchdDaemonPlist({ ...plain, userPath })) as { EnvironmentVariables: Record<string, string> };
    expect(parsed.EnvironmentVariables.PATH).toBe(want);
    expect(guardianCronEntry({ ...plain, userPath }).line).toContain(`PATH=${cronShellQuote(want)} `);
  });
});

describe('launchd plists', () => {
  it('daemon plist parses with the expected keys and types', () => {
    const parsed = plist.parse(launchdDaemonPlist(inputs)) as Record<string, unknown>;
    expect(parsed.Label).toBe('ai.clawback.daemon');
    expect(parsed.ProgramArguments).toEqual([inputs.nodePath, '--max-semi-space-size=1', '--max-inlined-bytecode-size-cumulative=230', inputs.entryPath, 'run', '--refusal-exit-code', '0', '--keep-services-on-sigterm', '--config', inputs.configPath, '--state-dir', inputs.stateDir]);
    // No RestartPreventExitStatus in launchd: a refusal exits 0, and only an unsuccessful exit is restarted.
    expect(parsed.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(parsed.RunAtLoad).toBe(true);
    expect(parsed.ThrottleInterval).toBe(10);
    expect(parsed.AbandonProcessGroup).toBe(true);
    expect(parsed.StandardOutPath).toBe(path.join(inputs.stateDir, 'logs', 'launchd-daemon.out.log'));
    expect(parsed.StandardErrorPath).toBe(path.join(inputs.stateDir, 'logs', 'launchd-daemon.err.log'));
    const env = parsed.EnvironmentVariables as Record<string, string>;
    expect(env.WEIRD).toBe(inputs.env!.WEIRD);
    expect(env.PATH!.split(':')[0]).toBe(path.dirname(inputs.nodePath));
    expect(launchdDaemonPlist(inputs)).toMatch(/<integer>10<\/integer>/);
  });

  it('guardian plist runs guardian --once every StartInterval seconds', () => {
    const parsed = plist.parse(launchdGuardianPlist({ ...inputs, guardianIntervalSec: 120 })) as Record<string, unknown>;
    expect(parsed.Label).toBe('ai.clawback.guardian');
    expect(parsed.StartInterval).toBe(120);
    expect((parsed.ProgramArguments as string[]).slice(2, 4)).toEqual(['guardian', '--once']);
    expect(parsed.KeepAlive).toBeUndefined();
  });
});

describe('crontab entry', () => {
  it('is one line with absolute paths, quoted for sh, and logs to stateDir/logs/guardian.log', () => {
    const { marker, line } = guardianCronEntry(inputs);
    expect(marker).toMatch(/^# clawback-guardian: managed by clawback/);
    expect(line).toMatch(/^\*\/1 \* \* \* \* /);
    expect(line).not.toMatch(/\n/);
    expect(line).toContain(cronShellQuote(inputs.nodePath));
    expect(line).toContain(' guardian --once --config ');
    expect(line.endsWith(`>> ${path.join(inputs.stateDir, 'logs', 'guardian.log')} 2>&1`)).toBe(true);
    // % would be a newline to cron: every % is escaped.
    expect(line).not.toMatch(/[^\\]%/);
    expect(guardianCronEntry({ ...inputs, guardianIntervalSec: 300 }).line).toMatch(/^\*\/5 /);
    // uninstall removes the real job line with its marker.
    expect(mergeCrontab(mergeCrontab('0 3 * * * backup\n', marker, line), marker, null)).toBe('0 3 * * * backup\n');
  });

  it('cronShellQuote leaves plain words and quotes the rest', () => {
    expect(cronShellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(cronShellQuote("it's")).toBe(`'it'\\''s'`);
    expect(cronShellQuote('50%')).toBe(`'50\\%'`);
  });

  it('mergeCrontab replaces the marked entry instead of duplicating it, keeps other lines, and removes it', () => {
    const marker = '# m';
    const other = 'MAILTO=""\n0 3 * * * /usr/bin/backup\n';
    const once = mergeCrontab(other, marker, '*/1 * * * * a guardian');
    expect(once).toBe('MAILTO=""\n0 3 * * * /usr/bin/backup\n# m\n*/1 * * * * a guardian\n');
    expect(mergeCrontab(once, marker, '*/1 * * * * a guardian')).toBe(once);
    const replaced = mergeCrontab(once, marker, '*/2 * * * * b guardian');
    expect(replaced).toBe('MAILTO=""\n0 3 * * * /usr/bin/backup\n# m\n*/2 * * * * b guardian\n');
    const middle = '# m\nold guardian\n5 * * * * x\n';
    expect(mergeCrontab(middle, marker, 'new guardian')).toBe('# m\nnew guardian\n5 * * * * x\n');
    const twice = '# m\none guardian\n1 * * * * y\n# m\ntwo guardian\n';
    expect(mergeCrontab(twice, marker, 'new guardian')).toBe('# m\nnew guardian\n1 * * * * y\n');
    // A marker left behind without its job: the person's next line is theirs and stays.
    expect(mergeCrontab('# m\n0 3 * * * /usr/bin/backup\n', marker, null)).toBe('0 3 * * * /usr/bin/backup\n');
    expect(mergeCrontab('# m\n0 3 * * * /usr/bin/backup\n', marker, '*/1 * * * * c guardian')).toBe('# m\n*/1 * * * * c guardian\n0 3 * * * /usr/bin/backup\n');
    expect(mergeCrontab(replaced, marker, null)).toBe(other);
    expect(mergeCrontab('', marker, null)).toBe('');
    expect(mergeCrontab('', marker, 'x')).toBe('# m\nx\n');
    expect(mergeCrontab('no newline at end', marker, 'x')).toBe('no newline at end\n# m\nx\n');
  });
});
