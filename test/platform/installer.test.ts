// install/uninstall plans per platform: dry runs touch nothing, applying twice changes nothing, the crontab entry is replaced not duplicated.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import {
  applyPlan,
  chooseManager,
  describePlan,
  detectSystemdVersion,
  hasSystemdRuntime,
  installedServiceManager,
  planInstall,
  planUninstall,
  type PlanInput,
} from '../../src/platform/installer.js';
import { mergeCrontab } from '../../src/platform/service-files.js';

let home: string;
let entry: string;
let scratch: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'clawback-home-'));
  scratch = await mkdtemp(path.join(tmpdir(), 'clawback-dist-'));
  entry = path.join(scratch, 'main.js');
  await writeFile(entry, '');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    platform: 'linux',
    hasSystemd: true,
    home,
    uid: 1000,
    nodePath: process.execPath,
    entryPath: entry,
    configPath: path.join(home, 'clawback.yaml'),
    stateDir: path.join(home, '.clawback'),
    ...over,
  };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, name);
    const s = await stat(full);
    out[name] = s.isDirectory() ? `dir ${(s.mode & 0o777).toString(8)}` : `${(s.mode & 0o777).toString(8)} ${await readFile(full, 'utf8')}`;
  }
  return out;
}

describe('chooseManager / detection', () => {
  it('picks launchd on darwin, systemd where it runs, cron otherwise', () => {
    expect(chooseManager('darwin', true)).toBe('launchd');
    expect(chooseManager('linux', true)).toBe('systemd');
    expect(chooseManager('linux', false)).toBe('cron');
    expect(hasSystemdRuntime((p) => p === '/run/systemd/system')).toBe(true);
    expect(hasSystemdRuntime(() => false)).toBe(false);
  });

  it('tells the guardian which manager holds the daemon, from the installed files', () => {
    const unit = path.join(home, '.config', 'systemd', 'user', 'clawback.service');
    const plistFile = path.join(home, 'Library', 'LaunchAgents', 'ai.clawback.daemon.plist');
    expect(installedServiceManager({ platform: 'linux', hasSystemd: true, home }, (p) => p === unit)).toBe('systemd');
    expect(installedServiceManager({ platform: 'linux', hasSystemd: true, home }, () => false)).toBe('none');
    expect(installedServiceManager({ platform: 'linux', hasSystemd: false, home }, () => true)).toBe('none');
    expect(installedServiceManager({ platform: 'darwin', hasSystemd: false, home }, (p) => p === plistFile)).toBe('launchd');
  });

  it('reads the systemd version from systemctl --version', async () => {
    expect(await detectSystemdVersion(new DryRunRunner(() => ({ stdout: 'systemd 252 (252.39-1~deb12u2)\n+PAM\n' })))).toBe(252);
    expect(await detectSystemdVersion(new DryRunRunner(() => ({ code: 1 })))).toBeUndefined();
  });
});

describe('dry run', () => {
  for (const [name, over] of [
    ['systemd', {}],
    ['launchd', { platform: 'darwin' as const }],
    ['cron', { hasSystemd: false }],
  ] as const) {
    it(`${name}: prints every file and command, runs nothing and leaves HOME empty`, async () => {
      const runner = new DryRunRunner();
      const printed: string[] = [];
      const plan = planInstall(input(over));
      const result = await applyPlan(plan, runner, { dryRun: true, print: (t) => printed.push(t) });
      expect(result.ok).toBe(true);
      expect(runner.calls).toEqual([]);
      expect(await readdir(home)).toEqual([]);
      const text = printed.join('');
      for (const f of plan.files) {
        expect(text).toContain(`write ${f.path}`);
        for (const line of f.content.trimEnd().split('\n')) expect(text).toContain(`| ${line}`);
      }
      for (const c of plan.commands) expect(text).toContain(c.argv.join(' '));
      if (plan.crontab) expect(text).toContain(plan.crontab.line!);
      for (const n of plan.notes) expect(text).toContain(n);
    });
  }
});

describe('systemd install', () => {
  it('writes the three units under ~/.config/systemd/user and enables them; twice gives identical files', async () => {
    const plan = planInstall(input());
    const unitDir = path.join(home, '.config', 'systemd', 'user');
    expect(plan.files.map((f) => f.path)).toEqual(
      ['clawback.service', 'clawback-guardian.service', 'clawback-guardian.timer'].map((n) => path.join(unitDir, n)),
    );
    const runner = new DryRunRunner();
    const first = await applyPlan(plan, runner, { dryRun: false });
    expect(first.ok).toBe(true);
    expect(first.changedFiles).toHaveLength(3);
    expect(runner.calls.map((c) => c.argv)).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'kill', '--kill-who=main', '--signal=SIGUSR2', 'clawback.service'],
      ['systemctl', '--user', 'enable', '--now', 'clawback.service', 'clawback-guardian.timer'],
      ['loginctl', 'enable-linger'],
    ]);
    const afterFirst = await snapshot(home);
    expect((await stat(path.join(unitDir, 'clawback.service'))).mode & 0o777).toBe(0o644);
    expect((await stat(path.join(home, '.clawback', 'logs'))).isDirectory()).toBe(true);

    const again = new DryRunRunner();
    const second = await applyPlan(planInstall(input()), again, { dryRun: false });
    expect(second.ok).toBe(true);
    expect(second.changedFiles).toEqual([]);
    expect(await snapshot(home)).toEqual(afterFirst);
    expect(again.calls.map((c) => c.argv[2])).toEqual(['daemon-reload', 'enable', undefined]);
    expect(second.commands.find((c) => c.argv.includes('--signal=SIGUSR2'))?.skipped).toBe('no file changed');
  });

  it('stops at a failing command but tolerates allowed failures', async () => {
    const runner = new DryRunRunner((argv) => (argv[0] === 'loginctl' ? { code: 1, stderr: 'no polkit' } : argv[2] === 'enable' ? { code: 1, stderr: 'Failed to connect to bus' } : {}));
    const result = await applyPlan(planInstall(input()), runner, { dryRun: false });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.stringMatching(/enable --now .*Failed to connect to bus/)]);
    expect(result.commands.at(-1)).toMatchObject({ argv: ['loginctl', 'enable-linger'], skipped: 'an earlier step failed' });
  });

  it('uninstall disables, removes the units and reloads; a second uninstall is harmless', async () => {
    await applyPlan(planInstall(input()), new DryRunRunner(), { dryRun: false });
    const runner = new DryRunRunner();
    const result = await applyPlan(planUninstall(input()), runner, { dryRun: false });
    expect(result.ok).toBe(true);
    expect(result.changedFiles).toHaveLength(3);
    expect(await readdir(path.join(home, '.config', 'systemd', 'user'))).toEqual([]);
    expect(runner.calls.map((c) => c.argv.slice(0, 4))).toEqual([
      ['systemctl', '--user', 'disable', '--now'],
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'reset-failed', 'clawback.service'],
    ]);
    const again = await applyPlan(planUninstall(input()), new DryRunRunner(() => ({ code: 5 })), { dryRun: false });
    expect(again.changedFiles).toEqual([]);
  });
});

describe('launchd install', () => {
  it('writes both plists under ~/Library/LaunchAgents and boots them out before bootstrapping', async () => {
    const plan = planInstall(input({ platform: 'darwin', uid: 501 }));
    const agents = path.join(home, 'Library', 'LaunchAgents');
    expect(plan.files.map((f) => f.path)).toEqual([path.join(agents, 'ai.clawback.daemon.plist'), path.join(agents, 'ai.clawback.guardian.plist')]);
    const runner = new DryRunRunner((argv) => (argv[1] === 'bootout' ? { code: 3, stderr: 'No such process' } : {}));
    const result = await applyPlan(plan, runner, { dryRun: false });
    expect(result.ok).toBe(true);
    expect(runner.calls.map((c) => c.argv)).toEqual([
      ['launchctl', 'bootout', 'gui/501/ai.clawback.daemon'],
      ['launchctl', 'enable', 'gui/501/ai.clawback.daemon'],
      ['launchctl', 'bootstrap', 'gui/501', path.join(agents, 'ai.clawback.daemon.plist')],
      ['launchctl', 'bootout', 'gui/501/ai.clawback.guardian'],
      ['launchctl', 'enable', 'gui/501/ai.clawback.guardian'],
      ['launchctl', 'bootstrap', 'gui/501', path.join(agents, 'ai.clawback.guardian.plist')],
    ]);
    const before = await snapshot(home);
    expect((await applyPlan(plan, new DryRunRunner(), { dryRun: false })).changedFiles).toEqual([]);
    expect(await snapshot(home)).toEqual(before);
  });

  it('retries a bootstrap that fails transiently', async () => {
    let failures = 1;
    const runner = new DryRunRunner((argv) => (argv[1] === 'bootstrap' && failures-- > 0 ? { code: 5, stderr: 'Input/output error' } : {}));
    const result = await applyPlan(planInstall(input({ platform: 'darwin' })), runner, { dryRun: false });
    expect(result.ok).toBe(true);
    expect(runner.calls.filter((c) => c.argv[1] === 'bootstrap')).toHaveLength(3);
  });

  it('needs a uid', () => {
    expect(() => planInstall(input({ platform: 'darwin', uid: undefined }))).toThrow(/uid/);
  });

  it('uninstall boots both out and removes the plists', async () => {
    await applyPlan(planInstall(input({ platform: 'darwin' })), new DryRunRunner(), { dryRun: false });
    const runner = new DryRunRunner();
    const result = await applyPlan(planUninstall(input({ platform: 'darwin' })), runner, { dryRun: false });
    expect(result.ok).toBe(true);
    expect(runner.calls.map((c) => c.argv[1])).toEqual(['bootout', 'bootout']);
    expect(await readdir(path.join(home, 'Library', 'LaunchAgents'))).toEqual([]);
  });
});

describe('cron install (no systemd)', () => {
  /** A fake crontab behind the runner: `crontab -l` reads it, `crontab -` replaces it. */
  function crontabRunner(initial: string | null): { runner: DryRunRunner; table: () => string | null } {
    let table = initial;
    const runner = new DryRunRunner((argv) => {
      if (argv.join(' ') === 'crontab -l') return table === null ? { code: 1, stderr: 'no crontab for root' } : { stdout: table };
      return {};
    });
    const origRun = runner.run.bind(runner);
    runner.run = async (argv, opts) => {
      const r = await origRun(argv, opts);
      if (argv.join(' ') === 'crontab -') table = opts?.input ?? '';
      return r;
    };
    return { runner, table: () => table };
  }

  it('adds the marked entry once, keeps the user lines, and notes the entrypoint', async () => {
    const plan = planInstall(input({ hasSystemd: false }));
    expect(plan.files).toEqual([]);
    expect(plan.notes.join(' ')).toMatch(/entrypoint/);
    const { runner, table } = crontabRunner('0 3 * * * /usr/bin/backup\n');
    expect((await applyPlan(plan, runner, { dryRun: false })).ok).toBe(true);
    const once = table()!;
    expect(once).toBe(mergeCrontab('0 3 * * * /usr/bin/backup\n', plan.crontab!.marker, plan.crontab!.line));
    const second = await applyPlan(planInstall(input({ hasSystemd: false })), runner, { dryRun: false });
    expect(second.crontab?.written).toBe(false);
    expect(table()).toBe(once);
    const changed = await applyPlan(planInstall(input({ hasSystemd: false, guardianIntervalSec: 120 })), runner, { dryRun: false });
    expect(changed.crontab?.written).toBe(true);
    expect(table()!.split('\n').filter((l) => l.includes('guardian --once'))).toHaveLength(1);
    expect(table()).toMatch(/^\*\/2 /m);
    await applyPlan(planUninstall(input({ hasSystemd: false })), runner, { dryRun: false });
    expect(table()).toBe('0 3 * * * /usr/bin/backup\n');
    expect(runner.calls.map((c) => c.opts.input).filter((x) => x !== undefined)).toHaveLength(3);
  });

  it('starts from an empty crontab when there is none, and refuses to overwrite one it could not read', async () => {
    const { runner, table } = crontabRunner(null);
    expect((await applyPlan(planInstall(input({ hasSystemd: false })), runner, { dryRun: false })).ok).toBe(true);
    expect(table()!.split('\n').filter(Boolean)).toHaveLength(2);
    const broken = new DryRunRunner((argv) => (argv[1] === '-l' ? { code: 1, stderr: 'permission denied' } : {}));
    const result = await applyPlan(planInstall(input({ hasSystemd: false })), broken, { dryRun: false });
    expect(result.ok).toBe(false);
    expect(broken.calls.map((c) => c.argv)).toEqual([['crontab', '-l']]);
  });

  it("takes BusyBox's (Alpine's) \"can't open '<user>': No such file or directory\" for no crontab, and nothing else", async () => {
    const busybox = new DryRunRunner((argv) => (argv[1] === '-l' ? { code: 1, stderr: "crontab: can't open 'node': No such file or directory\n" } : {}));
    const result = await applyPlan(planInstall(input({ hasSystemd: false })), busybox, { dryRun: false });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    const written = busybox.calls.find((c) => c.argv.join(' ') === 'crontab -')?.opts.input;
    expect(written?.split('\n').filter((l) => l.includes('guardian --once'))).toHaveLength(1);
    const unreadable = new DryRunRunner((argv) => (argv[1] === '-l' ? { code: 1, stderr: "crontab: can't open 'node': Permission denied\n" } : {}));
    const refused = await applyPlan(planInstall(input({ hasSystemd: false })), unreadable, { dryRun: false });
    expect(refused.ok).toBe(false);
    expect(unreadable.calls.map((c) => c.argv)).toEqual([['crontab', '-l']]);
  });
});

it('describePlan lists removals for an uninstall', () => {
  const text = describePlan(planUninstall(input()));
  expect(text).toMatch(/remove .*clawback\.service/);
  expect(text).toMatch(/systemctl --user disable --now/);
});
