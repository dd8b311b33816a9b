// `clawback run` with the API bound off loopback: the banner says so loudly (other machines reach it, the token travels
// in clear), where it used to start without a word and print a 127.0.0.1 link as if nothing else could reach it.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { httpGet, spawnMarked } from '../helpers/processes.js';
import { exposedApiWarning } from '../../src/cli/cmd-run.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('the API bound off loopback', () => {
  it('is named in a WARNING at start, and reads from loopback need the token there', async () => {
    const dir = tempDir('clawback-exposed-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { host: '0.0.0.0', port: 0 }, services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(async () => {
      process.kill(d.pid, 'SIGTERM');
      await d.waitForExit(30_000);
    });
    await d.waitForStdout(/API: .*\n(.*\n)*.*stop: /, 30_000);
    const out = d.stdout();
    expect(out).toMatch(/WARNING: +the API and the dashboard listen on every network interface \(api\.host 0\.0\.0\.0, port \d+\)/);
    expect(out).toMatch(/needs the API token \(reads too\).*unencrypted/);
    // What the warning says holds: off loopback a read without the token is refused, even from 127.0.0.1.
    const port = Number(/port (\d+)\)/.exec(out)![1]);
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } };
    expect(info.api.port).toBe(port);
    expect((await httpGet(`http://127.0.0.1:${port}/api/status`)).status).toBe(401);
  }, 90_000);

  it('is not warned about on loopback', () => {
    for (const host of ['127.0.0.1', '::1', '[::1]', 'localhost', '127.0.0.2']) expect(exposedApiWarning(host, 18790)).toBeUndefined();
    expect(exposedApiWarning('::', 18790)).toMatch(/every network interface/);
    expect(exposedApiWarning('192.168.1.20', 18790)).toMatch(/listen on 192\.168\.1\.20 \(api\.host 192\.168\.1\.20, port 18790\)/);
  });
});
