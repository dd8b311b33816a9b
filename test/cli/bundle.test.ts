// The CLI runs from the bundles scripts/bundle-cli.mjs builds (issue 19: daemon RSS and start-up): the daemon's code comes
// from dist/cli/bundle/, only the packages kept external come from node_modules, and paths built from import.meta.url
// (the dashboard's files, the CLI entry in hints) still point at dist/.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const BUNDLE = path.join(path.dirname(CLI), 'bundle');
const hookFor = (): string =>
  `data:text/javascript,import{register}from'node:module';register(${encodeURIComponent(JSON.stringify(pathToFileURL(path.join(FIXTURES, 'record-imports.mjs')).href))})`;
const lines = (f: string): string[] => readFileSync(f, 'utf8').split('\n').filter(Boolean);
/** The package a node_modules URL belongs to. */
const packageOf = (url: string): string => {
  const rest = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
};

let daemon: MarkedChild | undefined;
afterEach(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.waitForExit(15_000).catch(() => undefined);
  daemon = undefined;
});

describe('the bundled CLI', () => {
  it('is built', () => {
    expect(existsSync(path.join(BUNDLE, 'cli-entry.js'))).toBe(true);
    expect(existsSync(path.join(path.dirname(CLI), 'status-fast.bundle.cjs'))).toBe(true);
  });

  it('runs the daemon from the bundle and its config loader from its own bundle: zod, yaml, commander inlined; the dashboard and metrics answer', async () => {
    const dir = tempDir('clawback-bundle-');
    const record = path.join(dir, 'imports.txt');
    writeFileSync(record, '');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ stateDir: './state', api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, ['--max-semi-space-size=1', CLI, 'run', '--config', config], { env: { RECORD_IMPORTS: record, NODE_OPTIONS: `--import=${hookFor()}` } });
    await daemon.waitForStdout('dashboard:', 15_000);
    const info = JSON.parse(readFileSync(path.join(dir, 'state', 'daemon.json'), 'utf8')) as { api: { port: number } };
    const base = `http://127.0.0.1:${info.api.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<!doctype html>/i);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/clawback_service_up\{service="web"\} 1/);
    // The status hint printed at start names the real entry point (import.meta.url of cli-command, kept per module).
    expect(daemon.stdout()).toContain(`${CLI} --config ${config} --state-dir`);

    const loaded = lines(record);
    const ours = loaded.filter((u) => u.startsWith(pathToFileURL(path.dirname(CLI)).href) || u.startsWith(pathToFileURL(path.dirname(path.dirname(CLI))).href + '/'));
    // The hook is inherited by the config loader process (NODE_OPTIONS): its one file is the only other module of ours.
    const childBundle = pathToFileURL(path.join(path.dirname(path.dirname(CLI)), 'config', 'config-child.bundle.mjs')).href;
    expect(loaded).toContain(childBundle);
    expect(ours.filter((u) => !u.startsWith(pathToFileURL(BUNDLE).href) && u !== pathToFileURL(CLI).href && u !== childBundle && !u.endsWith('/cli/fast-status.js') && !u.includes('/node_modules/'))).toEqual([]);
    const packages = [...new Set(loaded.filter((u) => u.includes('/node_modules/')).map(packageOf))].sort();
    for (const inlined of ['zod', 'yaml', 'prom-client', 'commander', 'json5', '@opentelemetry/api', 'pino']) expect(packages).not.toContain(inlined);
    // What stays external: node-pty (native code), loaded by an agent run only. (prom-client's classes are required
    // file by file, observe/prom-parts.ts; require() is not seen by this ES-module hook.)
    expect(packages.filter((p) => !/^(@lydell\/node-pty.*)$/.test(p))).toEqual([]);
  }, 40_000);

  it('runs a command from its own chunk (validate: an invalid config names the field and the value once, exit 2)', async () => {
    const dir = tempDir('clawback-bundle-validate-');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify({ services: [{ name: 'web', command: ['x'], restart: { stableAfter: 'soon' } }] }));
    const r = await runCli(['validate', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/services\[0\]\.restart\.stableAfter: expected a duration/);
    expect(r.stderr.split('"soon"').length - 1, r.stderr).toBe(1); // the value once, not again as "(got ...)"

  });
});
