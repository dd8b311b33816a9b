// An unknown key was named alone ("services[0]: unknown key(s) "restrat"", "notify: unknown key(s) "webhook"") with
// nothing on what the field should have been: a typo meant a hunt through the docs. The nearest allowed key is named,
// and the allowed keys when no key is near, at every depth (probes by their kind, scaled services as well).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';

const svc = (extra: string): string => `services:\n  - name: a\n    command: [sleep, "1"]\n${extra}`;

describe('an unknown key in the config', () => {
  it('is named with the key it most likely meant, at any depth', () => {
    expect(configProblems(svc('    restrat: {policy: always}\n'))).toContain('services[0]: unknown key(s) "restrat" (did you mean "restart"?)');
    expect(configProblems(svc('    restart: {intensity: {max_restarts: 3}}\n'))).toContain(
      'services[0].restart.intensity: unknown key(s) "max_restarts" (did you mean "maxRestarts"?)',
    );
    expect(configProblems(svc('    probes: [{kind: memory, limit: 1GB, wran: 500MB}]\n'))).toContain('services[0].probes[0]: unknown key(s) "wran" (did you mean "warn"?)');
    expect(configProblems(`stat_dir: /tmp/x\n${svc('')}`)).toContain('(top level): unknown key(s) "stat_dir" (did you mean "stateDir"?)');
    // A scaled service is checked per instance too.
    expect(configProblems(svc('    instances: 2\n    port: 9100\n    Port: 3\n'))).toContain('unknown key(s) "Port" (did you mean "port"?)');
  });

  it('with no near key, lists the keys allowed there', () => {
    const msg = configProblems(`notify: {webhook: {url: "http://127.0.0.1:9/x"}}\n${svc('')}`);
    expect(msg).toMatch(/notify: unknown key\(s\) "webhook"; expected one of: channels, .*outboxLimit/);
    expect(msg).not.toContain('did you mean');
  });

  it('is said by `clawback validate` (exit 2, no stack trace)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-typo-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, svc('    stop: {sigal: SIGINT}\n'));
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services[0].stop: unknown key(s) "sigal" (did you mean "signal"?)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
