// A problem in one of many services was named by index only (`services[37].probes[0].url`): a user with 40 services
// counted list items to find it. Every problem and warning about a service, probe or notify channel names it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';
import { loadConfig } from '../../src/config/load.js';

const many = (bad: string): string => {
  const lines = ['services:'];
  for (let i = 0; i < 40; i++) lines.push(`  - name: svc-${i}`, '    command: [sleep, "1"]', ...(i === 37 ? [bad] : []));
  return `${lines.join('\n')}\n`;
};

describe('a config problem among many services', () => {
  it('names the service, probe and channel it is about, before the field path', () => {
    expect(configProblems(many('    probes: [{kind: http, name: health, url: "ftp://x"}]'))).toMatch(/service "svc-37", probe "health": services\[37\]\.probes\[0\]\.url: /);
    expect(configProblems(many('    restrat: {policy: always}'))).toContain('service "svc-37": services[37]: unknown key(s) "restrat" (did you mean "restart"?)');
    expect(configProblems(many('    stop: {grace: 5 min}'))).toMatch(/service "svc-37": services\[37\]\.stop\.grace: /);
    // An unnamed probe by its kind; a channel by its name, or its type when it has none.
    expect(configProblems(many('    probes: [{kind: tcp, port: 99999}]'))).toMatch(/service "svc-37", probe "tcp": services\[37\]\.probes\[0\]\.port: /);
    const chans = `${many('')}notify:\n  channels:\n    - {type: slack, name: ops, url: 5}\n    - {type: discord, url: 5}\n`;
    expect(configProblems(chans)).toMatch(/channel "ops": notify\.channels\[0\]\.url: /);
    expect(configProblems(chans)).toMatch(/channel "discord": notify\.channels\[1\]\.url: /);
  });

  it('names the service in a warning as well', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-owners-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, many('    env: {TOKEN: "${TOKEN}"}'));
    const warnings = loadConfig({ file, stateDir: path.join(dir, 'state'), env: {} }).warnings;
    expect(warnings).toContainEqual(expect.stringMatching(/^service "svc-37": services\[37\]\.env\.TOKEN: /));
  });

  it('is said by `clawback validate`, and under --json as data', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-owners-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, many('    probes: [{kind: http, name: health, url: 5}]'));
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('service "svc-37", probe "health": services[37].probes[0].url');
    const out = JSON.parse(r.stdout) as { problems: Array<Record<string, unknown>> };
    expect(out.problems).toContainEqual(expect.objectContaining({ field: 'services[37].probes[0].url', service: 'svc-37', probe: 'health' }));
  });
});
