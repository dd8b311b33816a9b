// `clawback maintenance NAME on|off` and `clawback approve|refuse INCIDENT`: a person's say, through the daemon's reducer.
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { terminalSafe } from './terminal-safe.js';
import { exitCodeOfAnswer, usageError } from './fail.js';

function who(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function post(program: Command, p: string): Promise<void> {
  const client = await connect(program.opts());
  const r = await client.post<{ ok: boolean; message?: string; error?: string }>(p);
  if (r.status >= 400) {
    process.stderr.write(`clawback: ${terminalSafe(r.body.message ?? r.body.error ?? `HTTP ${r.status}`)}\n`);
    process.exit(exitCodeOfAnswer(r.status));
  }
  process.stdout.write(`${terminalSafe(String(r.body.message))}\n`);
}

export function registerMaintenance(program: Command): void {
  program
    .command('maintenance <name> <on|off>')
    .description('pause healing: the service is still watched and reported, but nothing restarts or repairs it')
    .option('--for <duration>', 'end by itself after this long (e.g. 30m); default: until `off`')
    .option('--reason <text>', 'why, shown in status and alerts')
    .action(async (name: string, mode: string, opts: { for?: string; reason?: string }) => {
      if (mode !== 'on' && mode !== 'off') usageError(`expected "on" or "off", got ${JSON.stringify(mode)}`);
      // A bare number would be read as milliseconds: ask for the unit.
      if (opts.for !== undefined && !/^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/.test(opts.for.trim())) {
        usageError(`--for: expected a duration with its unit, such as 30m, 2h or 1d; got ${JSON.stringify(opts.for)}`);
      }
      const q = new URLSearchParams({ on: mode === 'on' ? '1' : '0', by: who() });
      if (opts.for) q.set('for', opts.for);
      if (opts.reason) q.set('reason', opts.reason);
      await post(program, `/api/services/${encodeURIComponent(name)}/maintenance?${q}`);
    });
  for (const [verb, text] of [
    ['approve', 'let the Level 3 agent run that an incident waits for (emergency.approval: required)'],
    ['refuse', 'refuse that agent run: the incident goes to a human at once'],
  ] as const) {
    program
      .command(`${verb} <incident>`)
      .description(text)
      .action(async (incident: string) => {
        await post(program, `/api/incidents/${encodeURIComponent(incident)}/${verb}?${new URLSearchParams({ by: who() })}`);
      });
  }
}
