// After the doctor restored the last-known-good config, the start waited 26 s (real OpenClaw gateway, loaded host) for
// the preflight to run `openclaw config validate` again on bytes it had validated at boot: its memo was the file's
// stat, which every restore changes. Real files, a real validator process counting its runs: same bytes, one run.
import { readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { preflightFor } from '../../src/daemon/doctor-wiring.js';
import { NODE, tempDir } from '../helpers/daemon.js';

describe('the start preflight validates a config content once', () => {
  it('skips the validator for bytes it validated before (a restore), runs it for new bytes and after a failure', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gw.json');
    const runs = path.join(dir, 'runs.txt');
    const good = '{ "gateway": { "port": 1, "auth": { "token": "t" } } }\n';
    writeFileSync(cfg, good);
    // Counts its runs; rejects a config that says "bad".
    const validator = `const fs=require('fs');fs.appendFileSync(${JSON.stringify(runs)},'x');process.exit(fs.readFileSync(process.argv[1],'utf8').includes('bad')?1:0)`;
    const config = validateConfig({ services: [{ name: 'gw', command: [NODE, '-e', '0'], configFile: { path: cfg, format: 'json5', validateCommand: [NODE, '-e', validator, '{file}'] } }] }, path.join(dir, 'clawback.yaml'));
    const check = preflightFor(config.services[0]!);
    const count = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').length : 0);

    expect(await check()).toBeUndefined();
    expect(count()).toBe(1);
    // Edited, then the same bytes written back (the doctor's restore): new mtime, size may match, content is known.
    writeFileSync(cfg, '{ "gateway": { "port": 2 } }\n');
    expect(await check()).toBeUndefined();
    expect(count()).toBe(2);
    writeFileSync(cfg, good);
    utimesSync(cfg, new Date(), new Date(Date.now() + 5000));
    expect(await check()).toBeUndefined();
    expect(count()).toBe(2);
    // A failing validator: those bytes are never remembered, and the next start asks again.
    writeFileSync(cfg, '{ "bad": true }\n');
    expect(await check()).toContain('config file invalid');
    expect(await check()).toContain('config file invalid');
    expect(count()).toBe(4);
    writeFileSync(cfg, good);
    expect(await check()).toBeUndefined();
    expect(count()).toBe(5);
  }, 30_000);
});
