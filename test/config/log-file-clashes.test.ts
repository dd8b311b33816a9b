// A service named "daemon" wrote its output into <stateDir>/logs/daemon.log, the daemon's own log: its copy-truncate
// rotation (logs.keep of the service) erased the daemon's log lines within seconds, and JSON lines mixed with its text.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

function load(text: string): string {
  const dir = tempDir();
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, text);
  try {
    loadConfig({ file, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
}

describe('a service whose log file is one of the daemon\'s own', () => {
  it('is invalid config naming the field, the value, the file and what was expected', () => {
    for (const name of ['daemon', 'guardian', 'daemon.out', 'launchd-daemon.err']) {
      const msg = load(`stateDir: ./state\nservices:\n  - { name: ${name}, command: [sleep, "1"] }\n`);
      expect(msg, name).toContain(`services[0].name: its output would go to`);
      expect(msg, name).toContain(path.join('state', 'logs', `${name}.log`));
      expect(msg, name).toContain(`(got "${name}")`);
      expect(msg, name).toContain('expected a name other than');
    }
    // Its logs.dir pointed back at the state dir's logs is the same file.
    expect(load('stateDir: ./state\nservices:\n  - { name: daemon, command: [sleep, "1"], logs: { dir: ./state/logs } }\n')).toContain('services[0].name');
  });

  it('is valid with a logs.dir of its own, and names that only look alike stay valid', () => {
    expect(load('stateDir: ./state\nservices:\n  - { name: daemon, command: [sleep, "1"], logs: { dir: ./svc-logs } }\n')).toBe('');
    expect(load('stateDir: ./state\nservices:\n  - { name: daemon2, command: [sleep, "1"] }\n  - { name: my-guardian, command: [sleep, "1"] }\n')).toBe('');
  });

  it('validate exits 2 with the message', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, 'stateDir: ./state\nservices:\n  - { name: daemon, command: [sleep, "1"] }\n');
    const r = await runCli(['validate', '-c', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('services[0].name: its output would go to');
  });
});
