// The daemon's config load in a child process gives exactly what the in-process load gives: the same config, the same
// errors (field, value, expectation), and the in-process load, said aloud, when the child cannot run.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, materialize } from '../../src/config/load.js';
import { loadConfigIsolated, materializeIsolated } from '../../src/config/load-isolated.js';
import { ConfigError } from '../../src/config/errors.js';
import { tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';

const YAML_CONFIG = `# a scaled service, env, probes with durations and sizes, notify, a plain service
stateDir: ./state
services:
  - name: web
    command: [node, server.mjs, --port, "{port}"]
    port: 8100
    instances: 3
    env: { SLOT: "{instance}", ANSWER: "42" }
    probes:
      - { kind: http, url: "http://127.0.0.1:{port}/health", interval: 1.5s, timeout: 500ms }
      - { kind: memory, limit: 1.5GiB }
    configFile: { path: "./web-{instance}.json5" }
  - name: db
    command: [./db, --fast]
    restart: { backoff: { initial: 100ms, max: 1m } }
notify:
  channels:
    - { type: webhook, url: "http://127.0.0.1:9/hook", headers: { authorization: "Bearer abcdefgh12345678" } }
`;

function fixture(text: string, name = 'clawback.yaml'): { dir: string; file: string } {
  const dir = tempDir();
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

describe('the config loaded in a child process', () => {
  it('equals the in-process load: a YAML file with instances, durations, sizes and notify; and the embedded demo config', async () => {
    const { dir, file } = fixture(YAML_CONFIG);
    const here = loadConfig({ file });
    const there = await loadConfigIsolated({ file });
    expect(there).toEqual(here);
    expect(there.config.services.map((s) => s.name)).toEqual(['web:0', 'web:1', 'web:2', 'db']);
    expect(there.stateDir).toBe(path.join(dir, 'state'));

    const stateDir = tempDir();
    const empty = tempDir(); // no config file here: the embedded demo config
    const demoHere = loadConfig({ stateDir, cwd: empty, env: {} });
    const demoThere = await loadConfigIsolated({ stateDir, cwd: empty, env: {} });
    expect(demoThere).toEqual(demoHere);
    expect(demoThere.file).toBeUndefined();
  });

  it('an invalid file: the same ConfigError, naming the field, the value and what was expected', async () => {
    const { file } = fixture(YAML_CONFIG.replace('interval: 1.5s', 'interval: soon'));
    let here: unknown;
    try {
      loadConfig({ file });
    } catch (err) {
      here = err;
    }
    const there = await loadConfigIsolated({ file }).catch((err: unknown) => err);
    expect(there).toBeInstanceOf(ConfigError);
    expect((there as ConfigError).message).toBe((here as ConfigError).message);
    expect((there as ConfigError).problems).toEqual((here as ConfigError).problems);
    expect((there as ConfigError).message).toMatch(/services\[0\]\.probes\[0\]\.interval.*"soon"/);

    const unparsable = fixture('services: [ {name: x\n');
    const e = await loadConfigIsolated({ file: unparsable.file }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems[0]!.message).toMatch(/^cannot parse/);
  });

  it('materialize for other scale overrides equals the in-process one', async () => {
    const { file } = fixture(YAML_CONFIG);
    const loaded = loadConfig({ file });
    const overrides = { web: { instances: 5, fileInstances: 3, by: 'test', at: 1 } };
    const there = await materializeIsolated(loaded, overrides);
    expect(there).toEqual(materialize(loaded, overrides));
    expect(there.services.filter((s) => s.name.startsWith('web:'))).toHaveLength(5);
  });

  it('a loader that cannot run: the config is loaded in this process, and a warning says so', async () => {
    const { file } = fixture(YAML_CONFIG);
    const warnings: string[] = [];
    const missing = path.join(tempDir(), 'no-such-loader.js');
    const loaded = await loadConfigIsolated({ file }, { child: missing, warn: (m) => warnings.push(m) });
    expect(loaded).toEqual(loadConfig({ file }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/config loader exited with code 1.*in the daemon's own process instead/);
  });

  it('`clawback run` with an invalid file: exit 78 (EX_CONFIG), the field and the value named, nothing started', async () => {
    const { dir, file } = fixture(YAML_CONFIG.replace('interval: 1.5s', 'interval: soon'));
    const r = await runCli(['run', '--config', file, '--state-dir', path.join(dir, 'state')], { timeoutMs: 30_000 });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/invalid config .*clawback\.yaml:\n {2}- service "web", probe "http": services\[0\]\.probes\[0\]\.interval: expected a duration.*"soon"/);
    expect(r.stdout).not.toMatch(/clawback running/);
  });
});
