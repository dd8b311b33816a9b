// `clawback maintenance NAME on|off` and `clawback approve|refuse INCIDENT`: a person's say, through the daemon's reducer.
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { usageError } from './fail.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { emptyServiceNameText } from './service-name-arg.js';

function who(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function post(program: Command, p: string): Promise<void> {
  const client = await connect(program.opts());
  printChangeAnswer(await client.post<ChangeAnswer>(p));
}

export function registerMaintenance(program: Command): void {
  program
    .command('maintenance <name> <on|off>')
    .description('pause healing: the service is still watched and reported, but nothing restarts or repairs it')
    .option('--for <duration>', 'end by itself after this long (e.g. 30m); default: until `off`')
    .option('--reason <text>', 'why, shown in status and alerts')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action(async (name: string, mode: string, opts: { for?: string; reason?: string }) => {
      const empty = emptyServiceNameText('maintenance', name);
      if (empty) usageError(empty);
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
      .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
      .action(async (incident: string) => {
        await post(program, `/api/incidents/${encodeURIComponent(incident)}/${verb}?${new URLSearchParams({ by: who() })}`);
      });
  }
}
