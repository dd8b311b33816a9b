// Two services on one port (or one on Clawback's API port) were "valid": at run the second exited EADDRINUSE twice and
// sat "held (preflight)", an L4 incident waiting for a human, with nothing said at validate. Now a warning names both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

function configFile(text: string): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-ports-'));
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, text);
  return { file, dir };
}

const svc = (name: string, port: number, extra = ''): string => `  - {name: ${name}, command: [sleep, "1"], port: ${port}${extra}}\n`;

describe('services sharing a port', () => {
  it('is a warning naming both (the config still loads)', () => {
    const { file, dir } = configFile(`api: {port: 0}\nservices:\n${svc('web', 9000)}${svc('web2', 9000)}${svc('other', 9001)}`);
    const loaded = loadConfig({ file, stateDir: path.join(dir, 'state') });
    expect(loaded.config.services.map((s) => s.name)).toEqual(['web', 'web2', 'other']);
    expect(loaded.warnings).toEqual([expect.stringMatching(/^service "web2": services\[1\]\.port: 9000 is also the port of web \(services\[0\]\); only one of them can listen there .*expected each service its own port$/)]);
  });

  it("a service on Clawback's own API port, and a one-instance scaled service, are named too", () => {
    const { file, dir } = configFile(`api: {port: 9100}\nservices:\n${svc('a', 9100)}${svc('b', 9200, ', instances: 1')}${svc('c', 9200)}`);
    const w = loadConfig({ file, stateDir: path.join(dir, 'state') }).warnings;
    expect(w).toContainEqual(expect.stringContaining("services[0].port: 9100 is also the port of Clawback's API (api.port)"));
    expect(w).toContainEqual(expect.stringContaining('services[2].port: 9200 is also the port of b (services[1])'));
  });

  it('own ports, api.port 0, and scaled ranges (refused on their own) say nothing here', () => {
    const { file, dir } = configFile(`api: {port: 0}\nservices:\n${svc('a', 9300)}${svc('b', 9301)}${svc('c', 9400, ', instances: 2')}`);
    expect(loadConfig({ file, stateDir: path.join(dir, 'state') }).warnings).toEqual([]);
  });

  it('`clawback validate` says it and exits 0', async () => {
    const { file, dir } = configFile(`api: {port: 0}\nservices:\n${svc('web', 9000)}${svc('web2', 9000)}`);
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: service "web2": services[1].port: 9000 is also the port of web (services[0])');
  });
});
