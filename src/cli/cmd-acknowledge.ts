// `clawback acknowledge`: the owner has seen "PREVIOUS DAEMON DIED"; status and the dashboard stop showing it (a token change).
import type { Command } from 'commander';
import { connect } from './client.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { who } from './cmd-scale.js';

export function registerAcknowledge(program: Command): void {
  program
    .command('acknowledge')
    .description('clear the "PREVIOUS DAEMON DIED" and "STATE HISTORY RESET" notices from status and the dashboard (it stays in the journal)')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action(async () => {
      const client = await connect(program.opts());
      const r = await client.post<ChangeAnswer>(`/api/daemon/acknowledge?${new URLSearchParams({ by: who() })}`, { timeoutMs: 30_000 });
      printChangeAnswer(r);
    });
}
