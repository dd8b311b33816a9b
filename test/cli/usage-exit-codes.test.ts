// A wrong word on the command line exits 1 (README, "Commands"): exit 2 means an invalid config file, and a script
// that reads it as such must not see it for `maintenance gw maybe`, `scale web abc` or a count out of range.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';

const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], ...extra });

describe('exit codes of wrong command-line input', () => {
  it('maintenance, scale and reload: a usage error is 1, an unknown service 4, an invalid config file 2', async () => {
    const td = await startTestDaemon({ services: [sleeper('gw'), sleeper('web', { instances: 1 })] });
    try {
      const cli = (...args: string[]) => runCli([...args, '--state-dir', td.stateDir, '--config', td.configFile]);
      const expectUsage = async (args: string[], text: string): Promise<void> => {
        const r = await cli(...args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(text);
      };
      await expectUsage(['maintenance', 'gw', 'maybe'], 'expected "on" or "off", got "maybe"');
      await expectUsage(['maintenance', 'gw', 'on', '--for', '30'], '--for: expected a duration with its unit');
      await expectUsage(['scale', 'web', 'abc'], 'instances: expected a whole number, got "abc"');
      // Refused by the daemon (HTTP 400): still a usage error, not an invalid config.
      await expectUsage(['scale', 'web', '999'], 'expected a whole number from 1 to 64, got 999');
      await expectUsage(['reload', 'web', '--timeout', 'abc'], '--timeout: expected a duration');
      // --timeout without NAME was dropped in silence and the whole config file re-applied.
      const pids = (): Array<[string, number | null]> => [...td.daemon.runtimes.values()].map((rt) => [rt.name, rt.status().pid]);
      const before = pids();
      await expectUsage(['reload', '--timeout', '5s'], 'clawback reload NAME --timeout 5s');
      expect(td.events.some((e) => e.type.startsWith('config.reload'))).toBe(false);
      expect(pids()).toEqual(before);
      expect(td.daemon.runtimes.get('gw')!.status().maintenance).toBeNull();

      expect((await cli('scale', 'nope', '2')).code).toBe(4);
      expect((await cli('maintenance', 'nope', 'on')).code).toBe(4);
    } finally {
      await td.stop();
    }
  }, 60_000);
});
