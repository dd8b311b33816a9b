// `clawback drill SCENARIO|all`: reproducible extreme tests against the running daemon, with a recovery report.
import { InvalidArgumentError, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { clientStateDir } from './client.js';
import { ConfigError } from '../config/errors.js';
import { systemClock } from '../platform/clock.js';
import { parseScenarioList, SCENARIO_PLANS, type ScenarioName } from '../drill/scenario-catalog.js';
import { DaemonLink } from '../drill/daemon-link.js';
import { DrillRefused, loadDaemonConfig, resolveTarget, type DrillTarget } from '../drill/target.js';
import { RestoreStack, unwindOnSignals } from '../drill/restore-stack.js';
import { runDrill, skippedScenarios } from '../drill/run-drill.js';
import { renderMarkdown, renderTerminal } from '../drill/drill-report.js';
import type { DrillContext } from '../drill/drill-context.js';

const ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));

interface DrillOpts {
  service?: string;
  trials: number;
  storm: number;
  timeout: number;
  leakUrl?: string;
  json?: boolean;
  yes?: boolean;
  report?: string;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected a whole number 1-1000, got "${v}"`);
  return n;
}

function fail(message: string, code: number): never {
  process.stderr.write(`clawback: ${message}\n`);
  process.exit(code);
}

function planText(target: DrillTarget, scenarios: ScenarioName[], skipped: Map<ScenarioName, string>, o: DrillOpts, reportFile: string): string {
  const lines = [
    `clawback drill will break "${target.service.name}" on purpose (daemon state dir ${target.stateDir}):`,
    ...scenarios.map((s) => `  - ${s}${skipped.has(s) ? ` (skipped: ${skipped.get(s)})` : ''}: ${SCENARIO_PLANS[s].replace('N times', `${o.storm} times`)}`),
    `  ${o.trials} trial(s) each; every wait is bounded by ${o.timeout} s; each trial starts healthy with a fresh restart window (\`resume\`)`,
  ];
  if (target.service.configFile && scenarios.some((s) => s === 'config-corrupt' || s === 'nuclear')) {
    lines.push(`  your config ${target.service.configFile.path} is snapshotted first (memory + a private temp copy) and put back byte for byte at the end, also on Ctrl-C`);
  }
  lines.push(`  report: ${reportFile} (+ .json)`);
  return lines.join('\n') + '\n';
}

/** The drill as a reproducible command line, for the report. */
function commandLine(scenario: string, o: DrillOpts): string {
  const parts = ['clawback drill', scenario];
  if (o.service) parts.push('--service', o.service);
  parts.push('--trials', String(o.trials));
  if (o.storm !== 10) parts.push('--storm', String(o.storm));
  if (o.timeout !== 120) parts.push('--timeout', String(o.timeout));
  if (o.leakUrl) parts.push('--leak-url', o.leakUrl);
  return parts.join(' ');
}

async function confirmed(o: DrillOpts): Promise<boolean> {
  if (o.yes || process.env.CLAWBACK_DRILL_YES === '1') return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('Go ahead? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

export function registerDrill(program: Command): void {
  program
    .command('drill <scenario>')
    .description('reproducible extreme tests against the running daemon and a recovery report: crash, crash-storm, hang, leak, config-corrupt, port-steal, crash-loop, daemon-kill, nuclear, or all')
    .option('--service <name>', 'the service to drill (must be drillable: true)')
    .option('--trials <n>', 'trials per scenario', positiveInt, 1)
    .option('--storm <n>', 'crashes per crash-storm trial', positiveInt, 10)
    .option('--timeout <seconds>', 'bound of every single wait', positiveInt, 120)
    .option('--leak-url <url>', "POST here to make the service leak memory (loopback; the demo gateway's is found by itself)")
    .option('--json', 'print the report as JSON on stdout')
    .option('--yes', 'do not ask for confirmation (or set CLAWBACK_DRILL_YES=1)')
    .option('--report <file>', 'Markdown report path (default <stateDir>/drills/drill-<time>.md); the JSON goes beside it')
    .action(async (scenarioArg: string, o: DrillOpts) => {
      const scenarios = parseScenarioList(scenarioArg);
      if ('error' in scenarios) fail(scenarios.error, 2);
      const link = new DaemonLink(clientStateDir(program.opts()));
      const status = await link.status();
      let target: DrillTarget;
      try {
        target = resolveTarget(status, loadDaemonConfig(status), { ...(o.service ? { service: o.service } : {}), ...(o.leakUrl ? { leakUrl: o.leakUrl } : {}) });
      } catch (err) {
        if (err instanceof DrillRefused) fail(err.message, err.exitCode);
        if (err instanceof ConfigError) fail(err.message, 2);
        throw err;
      }
      const say = (line: string): void => void process.stderr.write(line + '\n');
      const restore = new RestoreStack(say);
      const ctx: DrillContext = {
        clock: systemClock(),
        link: new DaemonLink(target.stateDir),
        target,
        restore,
        say,
        timeoutMs: o.timeout * 1000,
        stormSize: o.storm,
        cliEntry: ENTRY,
        reportNotes: [],
      };
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const mdFile = path.resolve(o.report ?? path.join(target.stateDir, 'drills', `drill-${stamp}.md`));
      const jsonFile = mdFile.replace(/\.md$/i, '') + '.json';
      process.stderr.write(planText(target, scenarios, skippedScenarios(ctx, scenarios), o, mdFile));
      if (!(await confirmed(o))) fail('not confirmed: re-run with --yes (or CLAWBACK_DRILL_YES=1) to let the drill break things', 2);

      const uninstall = unwindOnSignals(restore, say);
      let report;
      try {
        report = await runDrill(ctx, { scenarios, trials: o.trials, command: commandLine(scenarioArg, o) });
      } finally {
        restore.unwindAll();
        uninstall();
      }
      mkdirSync(path.dirname(mdFile), { recursive: true, mode: 0o700 });
      writeFileSync(mdFile, renderMarkdown(report));
      writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else process.stdout.write(renderTerminal(report));
      say(`report: ${mdFile}\n        ${jsonFile}`);
      process.exitCode = report.passed ? 0 : 1;
    });
}
