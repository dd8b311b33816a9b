// `clawback init`: detect what to supervise (OpenClaw, or any command) and write a commented clawback.yaml that validates.
import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../config/load.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import { serviceSchema } from '../config/schema.js';
import { writeInitFile } from './init-overwrite.js';
import { jsonErrorLine } from './json-error.js';
import { realCommandRunner, type CommandRunner } from '../platform/command-runner.js';
import { openclawPresetConfig, OPENCLAW_SERVICE_NAME } from '../presets/openclaw.js';
import { detectOpenclaw, isProfileName, type OpenclawDetection } from '../presets/openclaw-detect.js';
import { externalServiceCommands, openclawLaunchdLabel, openclawServiceFile, openclawSystemdUnit } from '../presets/openclaw-external.js';
import { genericService } from '../presets/generic.js';
import { describeInheritedTokenAtInit, readInheritedToken } from '../openclaw/inherited-token.js';
import { renderCommentedYaml, type CommentMap } from '../presets/render-yaml.js';

/** Bad input from the user: reported in one line, exit 2. */
export class InitError extends Error {}

export interface InitOptions {
  preset: string;
  dryRun?: boolean;
  force?: boolean;
  out?: string;
  /** openclaw: */
  openclawBin?: string;
  node?: string;
  openclawConfig?: string;
  port?: number;
  /** A named OpenClaw profile (~/.openclaw-NAME, openclaw-gateway-NAME.service). */
  profile?: string;
  /** "run": Clawback runs the gateway; "external": OpenClaw's service manager does; "auto": run (warns if a service exists). */
  mode?: string;
  /** Node binaries tried last for an env-node script (default: the node running clawback); for tests. */
  extraNodes?: string[];
  /** generic: */
  command?: string;
  name?: string;
  healthUrl?: string;
  /** The answer as one JSON line on stdout (the human words stay on stderr). */
  json?: boolean;
}

export interface InitIo {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  cwd: string;
  runner: CommandRunner;
  now: Date;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The gateway will see a container (its bind auto is then 0.0.0.0); default: detected. */
  container?: boolean;
}

interface Rendered {
  raw: Record<string, unknown>;
  text: string;
  warnings: string[];
}

/** True once the lead has added `external` to the service schema (mode b needs daemon support). */
export function externalModeSupported(): boolean {
  return 'external' in (serviceSchema.shape as Record<string, unknown>);
}

function openclawComments(det: OpenclawDetection, external: boolean): CommentMap {
  const s = (...p: Array<string | number>): Array<string | number> => ['services', 0, ...p];
  const c: CommentMap = [
    {
      path: s('env'),
      comment: external
        ? 'OPENCLAW_CONFIG_PATH is explicit so the doctor and the validator read the gateway\'s file.\n' +
          'The gateway\'s own environment is its unit\'s business (nothing here is passed to it).'
        :
        'OPENCLAW_CONFIG_PATH is explicit so the gateway, its doctor and its validator read the same file.\n' +
        'OPENCLAW_SUPERVISOR_MODE=external: a restart the gateway wants (config change, update, SIGUSR2)\n' +
        'becomes "exit and let the supervisor start a fresh process" instead of an in-place restart that\n' +
        'keeps the pid with nothing listening, or a detached update respawn outside Clawback. It also makes\n' +
        '`openclaw gateway stop` and `openclaw doctor` leave the lifecycle to Clawback. Remove it (and add it\n' +
        'to unsetEnv) to let the gateway restart itself in place.',
    },
    {
      path: s('configFile'),
      comment:
        'The gateway\'s JSON5 config. `openclaw config validate` reads OPENCLAW_CONFIG_PATH (no path argument),\n' +
        'so the doctor can check a candidate file through env. backupGlobs: OpenClaw\'s own rotations, ranked with\n' +
        'Clawback\'s snapshots by trust, then age (.last-good is trusted, .bak* come last). protect: settings a repair\n' +
        'never drops or changes silently. portPath: a gateway.port that differs from `port` is reported.\n' +
        'reload: live, the gateway hot-reloads an edit, so it is kept as last-known-good once a probe passes after it.\n' +
        'A broken file is always kept beside the repaired one.',
    },
    {
      path: s('restart'),
      comment: external
        ? 'Its manager reaps the gateway, so Clawback never sees an exit code (no preventExitCodes here).\nA start takes 20-80 s, so stability is judged over minutes.'
        : 'Exit 78 = config/lock/schema problem: no blind restart, the doctor goes first.\nA start takes 20-80 s, so stability is judged over minutes.',
    },
    {
      path: s('stop'),
      comment: external
        ? 'A stop goes through its manager (stopCommand); a pid still there after the grace is killed. A planned restart\nwaits drainGrace (the gateway drains like its own safe restart: 315 s + 10 s + 5 s). A hang gets 1 s.'
        : 'SIGTERM exits in 1-8 s when idle. A planned restart (memory, prediction, readiness, yours) waits drainGrace:\nthe gateway drains active work like its own safe restart (drain 315 s + close 10 s + 5 s). A hang gets 1 s.',
    },
    {
      path: s('openclaw'),
      comment: 'The gateway\'s CLI, for the smallest repairs and its evidence: restart one failing channel account\n(`gateway call channels.stop/start`), its stability bundle after a crash, a diagnostics export at Level 4.',
    },
    {
      path: s('doctor'),
      comment:
        'Level 2 repairs by least change: `openclaw doctor --fix --non-interactive` (9-18 s) after a snapshot, rolled\n' +
        'back if the file stays invalid or a protected setting changed; then removing the keys the validator names;\n' +
        'a whole-file restore last. The config is snapshotted as soon as the gateway is seen healthy with it.',
    },
    { path: s('probes', 0), comment: '/healthz is 200 once the gateway is live. Grace 120 s: 11-25 s warm, over 60 s cold.' },
    {
      path: s('probes', 1),
      comment: '/readyz lists what is not ready (channels, agent databases, plugin reload). A channel gets 10 min of the\ngateway\'s own recovery, then Clawback restarts that channel alone, then the gateway. A quiet channel is fine.',
    },
    { path: s('probes', 2), comment: 'A stopped process (SIGSTOP, a tracer) is seen in /proc long before HTTP timeouts add up.' },
    { path: s('probes', 3), comment: 'The whole tree (main + 2 workers) is ~1 GB.' },
    { path: s('probes', 4), comment: 'The validator is a full CLI start: every 5 minutes, notify only.' },
  ];
  if (external) {
    c.push({ path: s('external'), comment: `Not spawned: OpenClaw's own ${det.serviceManager ?? 'service manager'} runs the gateway; Clawback finds its pid and restarts it through it.` });
  } else {
    c.unshift({
      path: s('command'),
      comment:
        `Foreground gateway${det.node ? `, run by the Node init verified (${det.node.version}) so PATH at run time does not matter` : ''}.\n` +
        'The port is pinned here so the probes and the gateway can never disagree (a change of gateway.port in the\n' +
        'gateway\'s config is reported as a warning); --bind loopback is also what a container needs (without it: exit 78).',
    });
    c.push({
      path: s('unsetEnv'),
      comment: 'systemd/launchd markers that leak from Clawback\'s own unit would make the gateway believe that unit restarts it.',
    });
    c.push({ path: s('probes', 5), comment: 'The gateway\'s own words in its output (captured in Clawback\'s service log).' });
  }
  return c;
}

function openclawHeader(det: OpenclawDetection, io: InitIo, external: boolean): string {
  const lines = [
    `clawback.yaml for the OpenClaw gateway, written by \`clawback init --preset openclaw\` on ${io.now.toISOString().slice(0, 10)}.`,
    'Check it with `clawback validate`, start with `clawback run`, keep it running with `clawback install`.',
    '',
    `openclaw: ${det.openclaw.join(' ')}${det.binaryFound ? '' : ' (not found at init time)'}`,
    ...(det.node ? [`node:     ${det.node.path} (${det.node.version}, verified at init time)`] : []),
    ...(det.profile ? [`profile:  ${det.profile}`] : []),
    `config:   ${det.configPath} (from ${det.configPathSource}${det.configExists ? '' : ', missing at init time'})`,
    `port:     ${det.port} (from ${det.portSource}), bind ${det.bind}`,
  ];
  if (det.serviceManager) {
    const file = openclawServiceFile(det.serviceManager, io.home, det.profile);
    lines.push('');
    if (external) {
      lines.push(`Mode: OpenClaw's ${det.serviceManager} service (${file}) runs the gateway; Clawback watches and restarts it through it.`);
    } else {
      const ext = externalCommandsFor(det, io.home);
      lines.push(
        `WARNING: OpenClaw's own ${det.serviceManager} service exists (${file}).`,
        `Two supervisors would fight over port ${det.port}. Disable it before \`clawback run\`:`,
        `  ${ext.stop.join(' ')}   and   openclaw gateway uninstall`,
      );
    }
  }
  lines.push('', 'Details and the reasons behind each number: docs/openclaw.md');
  return lines.join('\n');
}

/** The service manager's commands for the detected install (a named profile has its own unit/label). */
function externalCommandsFor(det: OpenclawDetection, home: string): ReturnType<typeof externalServiceCommands> {
  const kind = det.serviceManager!;
  return externalServiceCommands(kind, { home, ...(kind === 'systemd' ? { unit: openclawSystemdUnit(det.profile) } : { label: openclawLaunchdLabel(det.profile) }) });
}

async function renderOpenclaw(o: InitOptions, io: InitIo): Promise<Rendered> {
  if (o.profile !== undefined && !isProfileName(o.profile)) throw new InitError(`--profile must be a profile name (letters, digits, "-", "_"), got "${o.profile}"`);
  const det = await detectOpenclaw({
    env: io.env,
    home: io.home,
    platform: io.platform,
    runner: io.runner,
    ...(o.openclawBin ? { openclawBin: o.openclawBin } : {}),
    ...(o.node ? { node: o.node } : {}),
    ...(o.openclawConfig ? { configPath: o.openclawConfig } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.extraNodes ? { extraNodes: o.extraNodes } : {}),
    ...(io.container !== undefined ? { container: io.container } : {}),
  });
  const mode = o.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'run' && mode !== 'external') throw new InitError(`--mode must be auto, run or external (got "${mode}")`);
  const warnings = [...det.warnings];
  let external = mode === 'external';
  if (external && !det.serviceManager) {
    throw new InitError(
      `--mode external: no OpenClaw service found (${openclawServiceFile(io.platform === 'darwin' ? 'launchd' : 'systemd', io.home, det.profile)}); ` +
        'run `openclaw gateway install` first, or use --mode run',
    );
  }
  if (external && !externalModeSupported()) {
    throw new InitError(
      '--mode external needs daemon support for a service it does not spawn, which this clawback version lacks. ' +
        'Use --mode run (Clawback runs the gateway) after disabling OpenClaw\'s own service.',
    );
  }
  if (mode === 'auto' && det.serviceManager) {
    external = false;
    warnings.push(`OpenClaw's own ${det.serviceManager} service exists: disable it before \`clawback run\`, or both will fight over port ${det.port} (see the file's header)`);
  }
  const ext = external && det.serviceManager ? externalCommandsFor(det, io.home) : undefined;
  const raw = openclawPresetConfig({
    openclaw: det.openclaw,
    port: det.port,
    bind: det.bind,
    ...(det.tls ? { tls: true } : {}),
    configPath: det.configPath,
    home: io.home,
    ...(det.stateDir ? { stateDir: det.stateDir } : {}),
    ...(det.profile ? { profile: det.profile } : {}),
    ...(ext ? { external: { pidCommand: ext.pid, restartCommand: ext.restart, startCommand: ext.start, stopCommand: ext.stop } } : {}),
  });
  const text = renderCommentedYaml(raw, openclawHeader(det, io, external), openclawComments(det, external));
  return { raw, text, warnings };
}

function renderGeneric(o: InitOptions, io: InitIo): Rendered {
  if (!o.command?.trim()) throw new InitError('--preset generic needs --command "..." (the service\'s command line)');
  const svc = genericService({
    command: [o.command],
    ...(o.name ? { name: o.name } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.healthUrl ? { healthUrl: o.healthUrl } : {}),
  });
  const raw = { services: [svc] };
  const header = [
    `clawback.yaml written by \`clawback init --preset generic\` on ${io.now.toISOString().slice(0, 10)}.`,
    'Add configFile, doctor.command and more probes as the service needs; `clawback schema` lists every field.',
  ].join('\n');
  const comments: CommentMap = [
    { path: ['services', 0, 'restart'], comment: 'Exit 78 (EX_CONFIG) means "fix the config first": the doctor runs instead of a blind restart.' },
    { path: ['services', 0, 'probes'], comment: 'Liveness restarts after 3 failures; "stopped" catches SIGSTOP at once.' },
  ];
  return { raw, text: renderCommentedYaml(raw, header, comments), warnings: [] };
}

/** The generic preset's fields that come straight from a flag: a bad value is about what the user typed, not a file. */
const GENERIC_FLAGS: Record<string, string> = {
  'services[0].name': '--name',
  'services[0].command': '--command',
  'services[0].port': '--port',
  'services[0].probes[0].url': '--health-url',
};

/** `--name: expected ... (got "my svc")` for a flag's value; any other problem as the file's (a bug of the preset). */
function flagProblems(err: ConfigError): string {
  const lines = err.problems.map((p) => {
    const flag = Object.entries(GENERIC_FLAGS).find(([field]) => p.path === field || p.path.startsWith(`${field}[`))?.[1];
    // Formatted under its field's path, so a URL's secrets are held back as in a file, then said of the flag.
    return flag ? `${flag}: ${formatProblem({ ...p, owner: undefined }).slice(p.path.length + 2)}` : `${err.file}: ${formatProblem(p)}`;
  });
  return lines.join('\n  ');
}

/** The whole command; returns the exit code (0 written/printed, 1 refused to overwrite, 2 bad input). */
export async function runInit(o: InitOptions, io: InitIo): Promise<number> {
  const out = path.resolve(io.cwd, o.out ?? 'clawback.yaml');
  // Under --json a failure is the JSON error line on stdout too (json-error.ts), the human line on stderr.
  const failed = (kind: 'usage' | 'invalid-config' | 'refused', text: string, code: number): number => {
    io.stderr(`clawback init: ${text}\n`);
    if (o.json) io.stdout(jsonErrorLine(kind, text, code));
    return code;
  };
  let r: Rendered;
  try {
    if (o.preset === 'openclaw') r = await renderOpenclaw(o, io);
    else if (o.preset === 'generic') r = renderGeneric(o, io);
    else throw new InitError(`unknown preset "${o.preset}" (expected openclaw or generic)`);
    const cfg = validateConfig(r.raw, out);
    // The daemon says this at start (doctor-wiring); said here too, where the shell that will start it is at hand.
    if (o.preset === 'openclaw') {
      const svc = cfg.services[0];
      const said = r.warnings.some((w) => w.includes('OPENCLAW_GATEWAY_TOKEN')); // a wide bind's warning already names it
      if (!said && svc?.configFile && (await readInheritedToken(svc, io.env))) r.warnings.push(describeInheritedTokenAtInit(svc.configFile.path));
    }
  } catch (err) {
    if (err instanceof InitError || err instanceof ConfigError) {
      // A generic service is made of flags: "invalid config ./clawback.yaml: services[0].name" named a file not written.
      const text = err instanceof ConfigError && o.preset === 'generic' ? flagProblems(err) : err.message;
      return failed(err instanceof ConfigError ? 'invalid-config' : 'usage', text, 2);
    }
    throw err;
  }
  for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
  const answer = (more: Record<string, unknown>): void => io.stdout(JSON.stringify({ ok: true, file: out, preset: o.preset, ...more, warnings: r.warnings }) + '\n');
  if (o.dryRun) {
    if (o.json) answer({ dryRun: true, content: r.text });
    else io.stdout(r.text);
    return 0;
  }
  if (existsSync(out) && !o.force) {
    return failed('refused', `${out} exists; not overwriting it (use --force, or --dry-run to see the new file)`, 1);
  }
  const written = await writeInitFile(out, r.text, { now: () => io.now.getTime() });
  if (o.json) {
    answer({ dryRun: false, backup: written.backup ?? null });
    return 0;
  }
  if (written.backup !== undefined) io.stdout(`kept the file it replaced as ${written.backup}\n`);
  io.stdout(`wrote ${out} (${o.preset === 'openclaw' ? OPENCLAW_SERVICE_NAME : 'generic'} preset); check it with \`clawback validate -c ${out}\`\n`);
  return 0;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented clawback.yaml for OpenClaw (detected) or any command')
    .option('--preset <name>', 'openclaw | generic', 'openclaw')
    .option('--dry-run', 'print the file instead of writing it')
    .option('--force', 'overwrite an existing file')
    .option('--out <file>', 'where to write (default ./clawback.yaml)')
    .option('--openclaw-bin <path>', 'the openclaw binary (default: found on PATH)')
    .option('--node <path>', 'run the openclaw script with this Node (>= 24.16)')
    .option('--openclaw-config <path>', 'the gateway config (default: $OPENCLAW_CONFIG_PATH or `openclaw config file`)')
    .option('--port <n>', 'gateway port (default: $OPENCLAW_GATEWAY_PORT, gateway.port, 18789)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`expected a port 1-65535, got ${v}`);
      return n;
    })
    .option('--profile <name>', 'a named OpenClaw profile (~/.openclaw-NAME, openclaw-gateway-NAME.service)')
    .option('--mode <mode>', 'auto | run (Clawback runs the gateway) | external (OpenClaw\'s service manager does)', 'auto')
    .option('--command <cmd>', 'the command line to supervise (required with --preset generic)')
    .option('--name <name>', 'generic: the service name')
    .option('--health-url <url>', 'generic: liveness URL')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"file","preset","dryRun","backup","warnings"} (--dry-run: "content", the file)')
    .action(async (o: InitOptions) => {
      const g = program.opts<{ config?: string }>();
      const opts: InitOptions = { ...o };
      if (!opts.out && g.config) opts.out = g.config;
      const code = await runInit(opts, {
        env: process.env,
        home: process.env.HOME ?? os.homedir(),
        platform: process.platform,
        cwd: process.cwd(),
        runner: realCommandRunner(),
        now: new Date(),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
      });
      if (code !== 0) process.exitCode = code;
    });
}
