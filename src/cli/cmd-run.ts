// `clawback run`: the daemon in the foreground, with signals wired to a clean shutdown.
import type { Command } from 'commander';
import { createDaemon, DaemonAlreadyRunning } from '../daemon/daemon.js';
import { ConfigError } from '../config/errors.js';
import { defaultDaemonOptions } from '../daemon/wiring.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the supervisor daemon in the foreground (the embedded demo gateway when no config file is found)')
    .option('--api-port <port>', 'override the API/dashboard port (0 = any free port)', (v) => Number(v))
    .action(async (cmdOpts: { apiPort?: number }) => {
      const g = program.opts<{ config?: string; stateDir?: string }>();
      const say = (line: string): void => {
        process.stdout.write(line + '\n');
      };
      let daemon;
      try {
        daemon = await createDaemon({
          ...defaultDaemonOptions(),
          ...(g.config ? { file: g.config } : {}),
          ...(g.stateDir ? { stateDir: g.stateDir } : {}),
          ...(cmdOpts.apiPort !== undefined ? { apiPort: cmdOpts.apiPort } : {}),
          say,
        });
        await daemon.start();
      } catch (err) {
        if (err instanceof ConfigError || err instanceof DaemonAlreadyRunning) {
          process.stderr.write(`clawback: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      const api = daemon.api!;
      const base = `http://${api.host}:${api.port}`;
      say(`clawback running (pid ${process.pid})`);
      say(`  config:    ${daemon.ctx.configFile ?? '(embedded demo: the bundled demo gateway)'}`);
      say(`  state dir: ${daemon.ctx.stateDir}`);
      say(`  services:  ${[...daemon.runtimes.keys()].join(', ')}`);
      say(`  dashboard: ${base}/#token=${daemon.token}`);
      say(`  API:       ${base}/api/status   metrics: ${base}/metrics`);
      say(`  status:    clawback status${daemon.ctx.stateDir ? ` --state-dir ${daemon.ctx.stateDir}` : ''}`);
      say('  stop:      Ctrl-C (stops the services too); SIGUSR2 exits and leaves them running for the next daemon');
      let exiting = false;
      const shutdown = (stopServices: boolean, code: number): void => {
        if (exiting) return;
        exiting = true;
        say(stopServices ? 'stopping services and exiting...' : 'exiting, services keep running...');
        daemon
          .stop({ stopServices })
          .catch((err: unknown) => process.stderr.write(`clawback: shutdown error: ${(err as Error).message}\n`))
          .finally(() => process.exit(code));
      };
      process.on('SIGTERM', () => shutdown(true, 0));
      process.on('SIGINT', () => shutdown(true, 0));
      process.on('SIGHUP', () => shutdown(true, 0));
      process.on('SIGUSR2', () => shutdown(false, 0));
    });
}
