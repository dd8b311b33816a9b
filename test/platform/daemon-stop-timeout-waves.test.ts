// `clawback install`'s stop timeout covers a shutdown that stops services in waves (dependents first): the waves run
// one after another, so their graces add up; the single longest grace let systemd SIGKILL the daemon mid-shutdown.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, FIXTURES, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { planInstall } from '../../src/platform/installer.js';
import { loadConfig } from '../../src/config/load.js';
import { daemonStopTimeoutSec } from '../../src/platform/daemon-stop-timeout.js';
import { stopWaves } from '../../src/config/service-order.js';

describe('the stop timeout of the installed daemon, with dependencies', () => {
  it('adds the graces of the stop waves, which run one after another', () => {
    const dir = tempDir('clawback-stop-waves-');
    const configPath = path.join(dir, 'clawback.yaml');
    const deaf = [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')];
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port: 0 },
          services: [
            { name: 'db', command: deaf, stop: { grace: '60s' } },
            { name: 'api', command: deaf, dependsOn: ['db'], stop: { grace: '60s' } },
            { name: 'web', command: deaf, dependsOn: ['api'], stop: { grace: '60s' } },
            { name: 'side', command: deaf, stop: { grace: '5s' } },
          ],
        }),
      ),
    );
    const stateDir = path.join(dir, 'state');
    const { config } = loadConfig({ file: configPath, stateDir });
    expect(stopWaves(config.services)).toEqual([['side', 'web'], ['api'], ['db']]);
    const sec = daemonStopTimeoutSec(config.services);
    // Three SIGTERM-deaf services, each waiting out 60 s before the next wave may begin: 180 s before any margin.
    expect(sec).toBeGreaterThan(180);
    const unit = planInstall({ home: dir, nodePath: NODE, entryPath: CLI, configPath, stateDir, daemonStopTimeoutSec: sec, platform: 'linux', hasSystemd: true })
      .files.find((f) => f.path.endsWith('/clawback.service'))!.content;
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThan(180);
    // Without dependencies every service stops at once: the longest grace, not the sum.
    const flat = config.services.map((s) => ({ ...s, dependsOn: [] }));
    expect(daemonStopTimeoutSec(flat)).toBe(60 + 30);
  });
});
