// `clawback scale NAME N`: run N instances of a scaled service (kept across daemon restarts in <stateDir>/scale.json).
import os from 'node:os';
import type { Command } from 'commander';
import { connect } from './client.js';
import { firstStartWaitText } from './first-start-wait.js';
import { usageError } from './fail.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { emptyServiceNameText } from './service-name-arg.js';

export function who(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export function registerScale(program: Command): void {
  program
    .command('scale <name> <instances>')
    .description('run this many instances of a service that has `instances:` (or `autoscale:`) in the config; kept across daemon restarts')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action(async (name: string, instances: string) => {
      const empty = emptyServiceNameText('scale', name);
      if (empty) usageError(empty);
      if (!/^\d+$/.test(instances)) usageError(`instances: expected a whole number, got ${JSON.stringify(instances)}`);
      const client = await connect(program.opts());
      const q = new URLSearchParams({ instances, by: who() });
      const waiting = await firstStartWaitText(client, `scale of ${name} to ${instances}`);
      if (waiting) process.stderr.write(`${waiting}\n`);
      // Starting or stopping several instances takes a while (each stop has its grace).
      printChangeAnswer(await client.post<ChangeAnswer>(`/api/services/${encodeURIComponent(name)}/scale?${q}`, { timeoutMs: 300_000 }));
    });
}
