// `clawback start|stop|restart|resume|reset NAME`: state changes through the daemon's token-protected API.
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { actionWaitMs, runningConfig } from './action-wait.js';
import { usageError } from './fail.js';
import { emptyServiceNameText } from './service-name-arg.js';

const ACTIONS = {
  start: 'start a stopped service (also lifts a hold)',
  stop: 'stop a service (it stays stopped until started)',
  restart: 'restart a service gracefully',
  resume: 'lift the crash-loop breaker / human hold and try again',
  reset: 'set RESTARTS, the crash-loop window and the backoff back to 0 (pm2 reset); the process and a hold are left as they are',
} as const;

export function registerControl(program: Command): void {
  for (const [action, description] of Object.entries(ACTIONS)) {
    program
      .command(`${action} <name>`)
      .description(description)
      .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
      .action(async (name: string) => {
        const empty = emptyServiceNameText(action, name);
        if (empty) usageError(empty);
        const client = await connect(program.opts());
        // As long as the daemon itself waits for the service (its stop grace), not a fixed 15 s.
        const timeoutMs = actionWaitMs(runningConfig(client.info.configPath, client.stateDir), name);
        // A reset is journaled with who asked (as maintenance is).
        const by = action === 'reset' ? `?by=${encodeURIComponent(who())}` : '';
        printChangeAnswer(await client.post<ChangeAnswer>(`/api/services/${encodeURIComponent(name)}/${action}${by}`, { timeoutMs }));
      });
  }
}

function who(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}
