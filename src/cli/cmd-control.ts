// `clawback start|stop|restart|resume NAME`: state changes through the daemon's token-protected API.
import type { Command } from 'commander';
import { connect } from './client.js';
import { terminalSafe } from './terminal-safe.js';

const ACTIONS = {
  start: 'start a stopped service (also lifts a hold)',
  stop: 'stop a service (it stays stopped until started)',
  restart: 'restart a service gracefully',
  resume: 'lift the crash-loop breaker / human hold and try again',
} as const;

export function registerControl(program: Command): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    program
      .command(`${action} <name>`)
      .description(description)
      .action(async (name: string) => {
        const client = await connect(program.opts());
        const r = await client.post<{ ok: boolean; message: string; error?: string }>(`/api/services/${encodeURIComponent(name)}/${action}`);
        if (r.status >= 400) {
          process.stderr.write(`clawback: ${terminalSafe(r.body.message ?? r.body.error ?? `HTTP ${r.status}`)}\n`);
          process.exit(r.status === 404 ? 4 : 1);
        }
        process.stdout.write(`${terminalSafe(String(r.body.message))}\n`);
      });
  }
}
