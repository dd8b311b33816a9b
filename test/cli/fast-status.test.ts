// `clawback status` without commander: the same answers as the commander path, for every option spelling it takes,
// and nothing it does not need loaded (issue 19: status start-up).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { parseFastStatus } from '../../src/cli/fast-status.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

describe('parseFastStatus', () => {
  it('takes status with --json, -c/--config and --state-dir in the spellings commander accepts', () => {
    expect(parseFastStatus(['status'])).toEqual({ json: false });
    expect(parseFastStatus(['status', '--json'])).toEqual({ json: true });
    expect(parseFastStatus(['--state-dir', '/s', 'status', '--json'])).toEqual({ json: true, stateDir: '/s' });
    expect(parseFastStatus(['status', '--state-dir=/s', '-c', 'a.yaml'])).toEqual({ json: false, stateDir: '/s', config: 'a.yaml' });
    expect(parseFastStatus(['--config=b.yaml', 'status', '--json', '--state-dir', 's'])).toEqual({ json: true, stateDir: 's', config: 'b.yaml' });
  });

  it('leaves everything else to commander (help, typos, repeats, missing values, other commands)', () => {
    for (const args of [
      [],
      ['stat'],
      ['status', 'extra'],
      ['status', '--help'],
      ['status', '-h'],
      ['--version'],
      ['--json', 'status'],
      ['status', '--json', '--json'],
      ['status', '--state-dir'],
      ['status', '--state-dir', '--json'],
      ['status', '--state-dir='],
      ['status', '-c', 'a', '--config', 'b'],
      ['status', '--'],
      ['status', '--jsonx'],
      ['status', 'status'],
      ['restart', 'status'],
      ['-cX', 'status'],
    ]) {
      expect(parseFastStatus(args), JSON.stringify(args)).toBeNull();
    }
  });
});

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (daemon) {
    daemon.child.kill('SIGTERM');
    await daemon.waitForExit(10_000).catch(() => daemon?.kill());
    daemon = undefined;
  }
});

/** The same command line through commander (program.js), as every command but `status` runs. */
function viaCommander(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const program = pathToFileURL(path.join(path.dirname(CLI), 'program.js')).href;
  const script = `const { buildProgram } = await import(${JSON.stringify(program)}); const p = await buildProgram('status'); await p.parseAsync(['node', 'clawback', ...${JSON.stringify(args)}]);`;
  return new Promise((resolve) => {
    const child = spawnMarked(NODE, ['--input-type=module', '-e', script], { env: { ...process.env, ...env } });
    void child.waitForExit(20_000).then(
      (exit) => resolve({ code: exit.code, stdout: child.stdout(), stderr: child.stderr() }),
      () => resolve({ code: null, stdout: child.stdout(), stderr: child.stderr() }),
    );
  });
}

/**
 * Numbers (uptimes, ages, latencies) change between two calls; the shape and the words must not. A duration is one token
 * whatever its units (59s, then 1m00s), and the padding between two columns is one gap (indentation is kept): the table
 * pads each column to its widest cell, so an uptime going from 9s to 10s between the two calls moved the next columns by
 * one space (seen at load 15).
 */
const shape = (text: string): string =>
  text
    .replace(/\b(\d+[dhms])+(?![\w.])/g, 'T')
    .replace(/\d+(\.\d+)?/g, 'N')
    .replace(/(\S) {2,}/g, '$1  ');

/** A daemon supervising one sleeper, its state directory beside its config. */
async function startDaemon(prefix: string): Promise<{ dir: string; stateDir: string; config: string }> {
  const dir = tempDir(prefix);
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ stateDir: './state', api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], restart: { stableAfter: '1s' } }] })));
  daemon = spawnMarked(NODE, [CLI, 'run', '--config', config]);
  await daemon.waitForStdout('dashboard:', 15_000);
  return { dir, stateDir: path.join(dir, 'state'), config };
}

/** Until the one service is healthy: two answers compared must not straddle its first verdict. */
async function untilHealthy(stateDir: string): Promise<void> {
  await waitFor(async () => {
    const r = await runCli(['status', '--json', '--state-dir', stateDir]);
    return r.code === 0 && (JSON.parse(r.stdout) as { services: Array<{ health: string }> }).services[0]?.health === 'healthy' ? true : undefined;
  }, { timeoutMs: 15_000 });
}

describe('comparing two answers taken apart in time', () => {
  it('ignores what the clock changes between them (numbers, duration units, column padding) and nothing else', () => {
    const answer = (uptimeMs: number, health = 'healthy'): string =>
      renderStatus({
        daemon: { pid: 41, version: '0.1.0', uptimeMs, configFile: '/c.yaml', stateDir: '/s', api: { host: '127.0.0.1', port: 9 } },
        services: [{ name: 'web', state: 'running', pid: 4242, uptimeMs, restarts: 0, health, probes: [], incident: null } as never],
      }, false);
    expect(shape(answer(9_999))).toBe(shape(answer(10_000)));
    expect(shape(answer(59_999))).toBe(shape(answer(60_000)));
    expect(shape(answer(3_599_999))).toBe(shape(answer(3_600_000)));
    expect(shape(answer(10_000, 'pending'))).not.toBe(shape(answer(10_000)));
  });
});

describe('clawback status fast path against a live daemon', () => {
  it('answers like the commander path for each option spelling, from one bundled file without commander, http or crypto', async () => {
    const { dir, stateDir, config } = await startDaemon('clawback-fast-status-');
    await untilHealthy(stateDir);

    for (const args of [
      ['status', '--json', '--state-dir', stateDir],
      [`--state-dir=${stateDir}`, 'status', '--json'],
      ['status', '--json', '-c', config],
      ['--config', config, 'status'],
      ['status', '--state-dir', stateDir],
    ]) {
      const fast = await runCli(args);
      const slow = await viaCommander(args);
      expect(fast.code, `${args.join(' ')}: ${fast.stderr}`).toBe(0);
      expect(slow.code).toBe(0);
      expect(shape(fast.stdout)).toBe(shape(slow.stdout));
      if (args.includes('--json')) expect((JSON.parse(fast.stdout) as { daemon: { stateDir: string } }).daemon.stateDir).toBe(stateDir);
      else expect(fast.stdout).toMatch(/web\s+running/);
    }

    const record = path.join(dir, 'imports.txt');
    const required = path.join(dir, 'requires.txt');
    writeFileSync(record, '');
    writeFileSync(required, '');
    const hook = `data:text/javascript,import{register}from'node:module';register(${encodeURIComponent(JSON.stringify(pathToFileURL(path.join(FIXTURES, 'record-imports.mjs')).href))})`;
    const preload = path.join(FIXTURES, 'record-requires.cjs');
    const traced = await runCli(['status', '--json', '--state-dir', stateDir], {
      env: { RECORD_IMPORTS: record, RECORD_REQUIRES: required, NODE_OPTIONS: `--import=${hook} --require=${preload}` },
    });
    expect(traced.code, traced.stderr).toBe(0);
    const lines = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter(Boolean);
    // The ES modules: the entry and the option parser only; the status path is one bundled CommonJS file.
    const cli = path.dirname(CLI);
    expect(lines(record).sort()).toEqual(['node:module', 'node:url', pathToFileURL(CLI).href, pathToFileURL(path.join(cli, 'fast-status.js')).href].sort());
    const loaded = lines(required);
    // The bundle is compiled by code-cache.cjs with the build's V8 cache (status-code-cache.test.ts), as the bin does.
    expect(loaded).toContain(path.join(cli, 'code-cache.cjs'));
    // No commander, no HTTP client, no crypto, no child processes, nothing from node_modules.
    expect(loaded.filter((u) => u !== path.join(cli, 'code-cache.cjs') && !/^(node:)?(fs|os|path|net|url|module|vm)$/.test(u))).toEqual([]);
  });

  it('the CommonJS binary (package.json bin) answers the same from the CommonJS bundles, with no ES module imported', async () => {
    const { dir, stateDir } = await startDaemon('clawback-fast-bin-');
    // Compared with a second answer taken later: the service's health must not change in between (pending -> healthy).
    await untilHealthy(stateDir);
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(CLI), '..', '..', 'package.json'), 'utf8')) as { bin: { clawback: string } };
    const bin = path.join(path.dirname(CLI), '..', '..', pkg.bin.clawback);
    expect(path.basename(bin)).toBe('clawback.cjs');
    const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
      new Promise((resolve) => {
        const child = spawnMarked(NODE, [bin, ...args], { env: { ...process.env, ...env } });
        void child.waitForExit(20_000).then(
          (exit) => resolve({ code: exit.code, stdout: child.stdout(), stderr: child.stderr() }),
          () => resolve({ code: null, stdout: child.stdout(), stderr: child.stderr() }),
        );
      });
    const record = path.join(dir, 'imports.txt');
    const required = path.join(dir, 'requires.txt');
    writeFileSync(record, '');
    writeFileSync(required, '');
    const hook = `data:text/javascript,import{register}from'node:module';register(${encodeURIComponent(JSON.stringify(pathToFileURL(path.join(FIXTURES, 'record-imports.mjs')).href))})`;
    const viaBin = await run(['status', '--json', '--state-dir', stateDir], { RECORD_IMPORTS: record, RECORD_REQUIRES: required, NODE_OPTIONS: `--import=${hook} --require=${path.join(FIXTURES, 'record-requires.cjs')}` });
    const viaMain = await runCli(['status', '--json', '--state-dir', stateDir]);
    expect(viaBin.code, viaBin.stderr).toBe(0);
    expect(shape(viaBin.stdout)).toBe(shape(viaMain.stdout));
    // With a hook registered Node resolves the main file through the module loader; nothing else is an ES import.
    expect(readFileSync(record, 'utf8').split('\n').filter(Boolean)).toEqual([pathToFileURL(path.resolve(bin)).href]);
    const cli = path.dirname(CLI);
    const files = readFileSync(required, 'utf8').split('\n').filter((l) => l.startsWith('/'));
    // The status bundle itself is compiled by code-cache.cjs with its trained V8 cache (status-code-cache.test.ts).
    expect(files.sort()).toEqual([path.join(cli, 'clawback.cjs'), path.join(cli, 'fast-status.cjs'), path.join(cli, 'code-cache.cjs')].sort());
    // Every other command goes through main.js: help, a typo, a daemon command.
    const typo = await run(['status', '--jsn']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown option '--jsn'");
    const services = await run(['--state-dir', stateDir, 'restart', 'nope']);
    expect(services.code).toBe(4);
  });

  it('gives the same exit code and message as the commander path when no daemon runs', async () => {
    const stateDir = tempDir('clawback-fast-none-');
    const fast = await runCli(['status', '--state-dir', stateDir]);
    expect(fast.code).toBe(3);
    expect(fast.stderr).toContain(`no daemon.json in ${stateDir}`);
    const viaFlagTypo = await runCli(['status', '--state-dir', stateDir, '--jsn']);
    expect(viaFlagTypo.code).toBe(1);
    expect(viaFlagTypo.stderr).toContain("unknown option '--jsn'");
  });
});
