// logs.redact: the service's own output reaches its log file redacted (through a detached redactor), and only when asked.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const KEY = 'sk-test-logredact-0123456789abcdefghij';
const PRINT = "console.log('calling the model with ' + process.env.OPENAI_API_KEY); process.stdout.write('no newline at the end ' + process.env.OPENAI_API_KEY); setTimeout(() => process.exit(3), 300)";

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('logs.redact', () => {
  it('redacts the service output when on, keeps it as written when off, and the redactor ends with the service', async () => {
    td = await startTestDaemon({
      services: [
        { name: 'quiet', command: [NODE, '-e', PRINT], env: { OPENAI_API_KEY: KEY }, logs: { redact: true }, restart: { policy: 'never' } },
        { name: 'plain', command: [NODE, '-e', PRINT], env: { OPENAI_API_KEY: KEY }, restart: { policy: 'never' } },
      ],
    });
    const t = td;
    const log = (name: string): string => {
      try {
        return readFileSync(path.join(t.stateDir, 'logs', `${name}.log`), 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => log('quiet').includes('no newline at the end') && log('plain').includes('no newline at the end'), { timeoutMs: 20_000 });
    expect(log('quiet')).not.toContain(KEY);
    expect(log('quiet')).toContain('calling the model with [REDACTED]');
    expect(log('quiet')).toContain('no newline at the end [REDACTED]');
    expect(log('plain')).toContain(KEY);
    // The service is gone (restart policy never): its redactor saw the end of the output and ended too.
    const quietLog = path.join(t.stateDir, 'logs', 'quiet.log');
    const redactors = (): number[] =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(`log-redactor.js\0${quietLog}`);
          } catch {
            return false;
          }
        })
        .map(Number);
    await waitFor(() => redactors().length === 0, { timeoutMs: 10_000 });
  });
});
