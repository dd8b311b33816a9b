// Bounds in the config: a time bound of 0 meant "no bound" to the command runner (a hung pidCommand stalled external
// supervision for good), a 400-digit duration parsed to Infinity (a 1 ms timer), and log sizes took no unit.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { configProblems } from '../helpers/config-problems.js';

const problems = configProblems;

describe('time bounds in the config', () => {
  it('refuses 0 for a bound on a command or request, naming the field', () => {
    const out = problems(
      [
        'services:',
        '  - name: ext',
        '    external: { pidFile: /run/x.pid, restartCommand: [systemctl, restart, x], timeout: 0 }',
        '  - name: gw',
        '    command: [node, s.js]',
        '    configFile: { path: /tmp/x.json, validateCommand: [node, check.js], validateTimeout: 0s }',
        '    doctor: { command: [gw, doctor], timeout: "0" }',
        'notify: { timeout: 0 }',
        '',
      ].join('\n'),
    );
    for (const field of ['services[0].external.timeout', 'services[1].configFile.validateTimeout', 'services[1].doctor.timeout', 'notify.timeout']) {
      expect(out).toContain(`${field}: a time bound of 0 would mean no bound at all`);
    }
  });

  it('refuses a duration too large to be a number', () => {
    expect(parseDuration(`${'9'.repeat(400)}s`)).toBeUndefined();
    expect(parseDuration('1.5h')).toBe(5_400_000);
    const out = problems(`services: [{ name: gw, command: [node, s.js], restart: { backoff: { max: "${'9'.repeat(400)}s" } } }]\n`);
    expect(out).toMatch(/services\[0\]\.restart\.backoff\.max: expected a duration/);
  });

  it('still takes a positive bound', () => {
    expect(problems('services: [{ name: ext, external: { pidFile: /run/x.pid, restartCommand: [a], timeout: 1ms } }]\n')).toBe('');
  });
});

describe('log sizes in the config', () => {
  it('takes "10MiB" as the memory limit is written, and names a size too small', () => {
    expect(problems('services: [{ name: gw, command: [node, s.js], logs: { maxBytes: 10MiB, keep: 2 } }]\n')).toBe('');
    expect(problems('services: [{ name: gw, command: [node, s.js], logs: { maxBytes: 20971520 } }]\n')).toBe('');
    expect(problems('services: [{ name: gw, command: [node, s.js], logs: { maxBytes: 100 } }]\n')).toContain('services[0].logs.maxBytes: expected at least 1024 bytes');
    expect(problems('services: [{ name: gw, command: [node, s.js], logs: { maxBytes: lots } }]\n')).toContain('services[0].logs.maxBytes: expected a size such as');
  });
});
