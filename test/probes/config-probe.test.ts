import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/platform/config-file.js';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createConfigProbe } from '../../src/probes/config-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
const previousMarker = process.env.CLAWBACK_TEST_CHILD;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-config-probe-'));
  // Validator processes inherit the environment: mark them for the leak check.
  process.env.CLAWBACK_TEST_CHILD = '1';
});
afterAll(async () => {
  if (previousMarker === undefined) delete process.env.CLAWBACK_TEST_CHILD;
  else process.env.CLAWBACK_TEST_CHILD = previousMarker;
  await rm(dir, { recursive: true, force: true });
});

const probe = (fields: Record<string, unknown> = {}) => createConfigProbe(probeSchema.parse({ kind: 'config', ...fields }) as ProbeConfigOf<'config'>);
const target = (file: string, extra: Partial<NonNullable<ProbeTarget['configFile']>> = {}): ProbeTarget => ({
  pid: undefined,
  startedAt: undefined,
  configFile: { path: file, format: 'auto', ...extra },
});
const signal = (): AbortSignal => AbortSignal.timeout(5000);

describe('config probe', () => {
  it.each([
    ['good.json', '{"port": 18789, "name": "gw"}\n', 'success'],
    ['truncated.json', '{"port": 18789, "na', 'failure'],
    ['empty.json', '', 'failure'],
    ['good.json5', "{ port: 18789, // comment\n name: 'gw', }\n", 'success'],
    ['bad.json5', '{ port: 18789, name: }', 'failure'],
    ['good.yaml', 'port: 18789\nname: gw\n', 'success'],
    ['bad.yaml', 'port: 18789\n  name: [gw\n', 'failure'],
  ])('%s -> %s, with the checksum', async (name, text, status) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    const r = await probe().check(target(file), signal());
    expect(r.status).toBe(status);
    expect(r.details?.sha256).toBe(sha256(text));
    if (status === 'failure') expect(r.finding).toBe('config-invalid');
  });

  it('a missing file is a failure config-missing; no file configured is unknown', async () => {
    expect(await probe().check(target(path.join(dir, 'nope.json')), signal())).toMatchObject({ status: 'failure', finding: 'config-missing' });
    expect((await probe().check({ pid: undefined, startedAt: undefined }, signal())).status).toBe('unknown');
  });

  it('the probe path and format override the service config file', async () => {
    const file = path.join(dir, 'conf.txt');
    await writeFile(file, 'a: 1\n');
    expect((await probe({ path: file, format: 'yaml' }).check({ pid: undefined, startedAt: undefined }, signal())).status).toBe('success');
    expect((await probe({ path: file }).check({ pid: undefined, startedAt: undefined }, signal())).status).toBe('failure');
  });

  it('validateCommand: exit 0 healthy, exit 1 invalid, missing binary unknown, hung validator unknown', async () => {
    const file = path.join(dir, 'validated.json');
    await writeFile(file, '{"port": 1}');
    const node = process.execPath;
    const accept = [node, '-e', 'const f = process.argv[1]; process.exit(require("fs").existsSync(f) ? 0 : 2)', '{file}'];
    expect((await probe().check(target(file, { validateCommand: accept }), signal())).status).toBe('success');

    const reject = [node, '-e', 'console.error("port must be >= 1024 in " + process.argv[1]); process.exit(1)', '{file}'];
    const bad = await probe().check(target(file, { validateCommand: reject }), signal());
    expect(bad).toMatchObject({ status: 'failure', finding: 'config-invalid' });
    expect(bad.message).toContain(`port must be >= 1024 in ${file}`);
    expect(bad.details?.exitCode).toBe(1);

    const missing = await probe().check(target(file, { validateCommand: ['/nonexistent/clawback-validator', '{file}'] }), signal());
    expect(missing.status).toBe('unknown');

    const slow = await probe({ validateCommand: [node, '-e', 'setTimeout(() => {}, 30000)'] }).check(target(file), AbortSignal.timeout(300));
    expect(slow.status).toBe('unknown');
  });
});
