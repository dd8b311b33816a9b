// Finding an OpenClaw install as `clawback init` sees it: binary, config file, port, bind, and a service manager already running it.
import { isContainerEnvironment } from './container-environment.js';
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { resolvedConfig } from '../platform/config-includes.js';
import { parseConfigText, readServiceConfigFile } from '../platform/config-file.js';
import type { CommandRunner } from '../platform/command-runner.js';
import { withoutEscapes } from '../platform/terminal-escapes.js';
import { defaultOpenclawConfigPath, OPENCLAW_DEFAULT_PORT } from './openclaw.js';
import { detectServiceManager, type ServiceManagerKind } from './openclaw-external.js';
import { existingOpenclawConfig } from './openclaw-config-candidates.js';

export interface DetectInputs {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  runner: CommandRunner;
  /** --openclaw-bin */
  openclawBin?: string;
  /** --node: run the openclaw script with this Node (it needs >= 24.16). */
  node?: string;
  /** --openclaw-config */
  configPath?: string;
  /** --port */
  port?: number;
  /** --profile: a named OpenClaw profile (state in ~/.openclaw-NAME, unit openclaw-gateway-NAME.service). */
  profile?: string;
  /** Node binaries tried last when the script needs a newer node than PATH's (default: the one running clawback). */
  extraNodes?: string[];
  /** Time limit for `openclaw config file` (a CLI start: 4 s here, more on a loaded box). */
  timeoutMs?: number;
  /** The gateway will see a container (bind auto = 0.0.0.0); default: detected as the gateway detects it. */
  container?: boolean;
}

export type Source = 'option' | 'env' | 'openclaw' | 'config' | 'default' | 'profile';

export interface OpenclawDetection {
  /** argv prefix that runs the CLI. */
  openclaw: string[];
  /** The binary was found (on PATH or as given). */
  binaryFound: boolean;
  configPath: string;
  configPathSource: Source;
  configExists: boolean;
  port: number;
  portSource: Source;
  bind: string;
  /** gateway.tls.enabled: the gateway answers https:// only. */
  tls?: boolean;
  stateDir?: string;
  serviceManager?: ServiceManagerKind;
  /** The named profile this file supervises (given, or the only one found when there is no default install). */
  profile?: string;
  /** Named profiles found in HOME (~/.openclaw-NAME with a config, or an openclaw-gateway-NAME unit). */
  profilesFound: string[];
  /** The node that runs the script, when init resolved one (absolute path, version checked). */
  node?: { path: string; version: string };
  warnings: string[];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH that is executable. */
export function whichOnPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (existsSync(file) && isExecutable(file)) return file;
  }
  return undefined;
}

function expandHome(p: string, home: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p;
}

/**
 * The home OpenClaw resolves its paths against (resolveRequiredHomeDir, 2026.9.6): OPENCLAW_HOME when set ("~" in it
 * is HOME), else HOME. Its default state dir, profile dirs and a "~" in OPENCLAW_CONFIG_PATH / OPENCLAW_STATE_DIR hang off it.
 */
export function openclawHome(env: NodeJS.ProcessEnv, home: string): string {
  const explicit = env.OPENCLAW_HOME?.trim();
  return explicit ? path.resolve(expandHome(explicit, home)) : home;
}

/** A script whose shebang asks env for node runs on whatever node is first on PATH. */
function usesEnvNode(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(200);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return /^#!.*\bnode\b/.test(buf.subarray(0, n).toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function parseNodeVersion(text: string): [number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.\d+/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** openclaw 2026.9.6 engines: ">=24.16.0 <25 || >=26.1.0". */
export function nodeFitsOpenclaw([major, minor]: [number, number]): boolean {
  return (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26;
}

/** A TCP port from an env value or a config value; anything else is undefined. */
export function parsePort(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * gateway.port and gateway.bind from the JSON5 config, if it parses, as the gateway reads them: through its
 * `$include`s (a split config often keeps the whole gateway block in an included file).
 */
export async function readGatewaySettings(
  configPath: string,
): Promise<{ port?: number; bind?: string; customBindHost?: string; tls?: boolean; authToken?: boolean; authPassword?: boolean; authMode?: string; error?: string }> {
  let text: string;
  try {
    text = (await readServiceConfigFile(configPath)).toString('utf8');
  } catch {
    return {};
  }
  const parsed = parseConfigText(text, 'json5');
  if (!parsed.ok) return { error: parsed.error };
  const cfg = (await resolvedConfig(configPath, parsed.value, 'json5')).value as {
    gateway?: { port?: unknown; bind?: unknown; customBindHost?: unknown; tls?: { enabled?: unknown }; auth?: { token?: unknown; password?: unknown; mode?: unknown } };
  } | null;
  const port = parsePort(cfg?.gateway?.port);
  const bind = typeof cfg?.gateway?.bind === 'string' ? cfg.gateway.bind : undefined;
  const customBindHost = typeof cfg?.gateway?.customBindHost === 'string' ? cfg.gateway.customBindHost.trim() : undefined;
  // gateway.tls.enabled: the listener serves HTTPS/WSS only (a plain http:// request gets no answer).
  const tls = cfg?.gateway?.tls?.enabled === true;
  // gateway.auth.token set (a value or a reference): the gateway does not fall back to OPENCLAW_GATEWAY_TOKEN.
  const token = cfg?.gateway?.auth?.token;
  const authToken = (typeof token === 'string' && token !== '') || (typeof token === 'object' && token !== null);
  const authMode = typeof cfg?.gateway?.auth?.mode === 'string' ? cfg.gateway.auth.mode : undefined;
  const password = cfg?.gateway?.auth?.password;
  const authPassword = (typeof password === 'string' && password !== '') || (typeof password === 'object' && password !== null);
  return {
    ...(port !== undefined ? { port } : {}),
    ...(bind !== undefined ? { bind } : {}),
    ...(customBindHost ? { customBindHost } : {}),
    ...(tls ? { tls } : {}),
    ...(authToken ? { authToken } : {}),
    ...(authMode !== undefined ? { authMode } : {}),
    ...(authPassword ? { authPassword } : {}),
  };
}

/** The port of OpenClaw's "dev" profile (`openclaw --dev`). */
export const OPENCLAW_DEV_PORT = 19001;

/**
 * Port, in OpenClaw's own order (resolveGatewayPort): OPENCLAW_GATEWAY_PORT beats gateway.port in
 * the config, which beats 18789; an explicit --port beats them all. We pin the result on the
 * command line so the probes and the gateway can never disagree.
 */
export function choosePort(option: number | undefined, env: NodeJS.ProcessEnv, fromConfig: number | undefined, profile?: string): { port: number; source: Source } {
  if (option !== undefined) return { port: option, source: 'option' };
  const fromEnv = parsePort(env.OPENCLAW_GATEWAY_PORT?.trim());
  if (fromEnv !== undefined) return { port: fromEnv, source: 'env' };
  // `openclaw --dev` / `--profile dev` sets OPENCLAW_GATEWAY_PORT=19001 when it is unset (applyCliProfileEnv), so it beats the config too.
  if (profile === 'dev') return { port: OPENCLAW_DEV_PORT, source: 'profile' };
  if (fromConfig !== undefined) return { port: fromConfig, source: 'config' };
  return { port: OPENCLAW_DEFAULT_PORT, source: 'default' };
}

/** A profile name as OpenClaw accepts it (letters, digits, "-", "_"). */
export function isProfileName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name);
}

/** ~/.openclaw-NAME: where `openclaw --profile NAME` keeps its state and config ("default" is ~/.openclaw). */
export function profileStateDir(home: string, profile: string): string {
  return path.join(home, profile.toLowerCase() === 'default' ? '.openclaw' : `.openclaw-${profile}`);
}

/**
 * The state dir and config of a profile with OPENCLAW_STATE_DIR / OPENCLAW_CONFIG_PATH possibly in the environment, as
 * `openclaw --profile NAME` settles them (applyCliProfileEnv, 2026.9.6): a variable that names the inherited profile's
 * own dir or file (OPENCLAW_PROFILE's, else the default's: often exported in a shell rc) is replaced by the selected
 * profile's; any other path is the user's choice and kept. `ignored` names the replaced variables.
 */
export function profilePaths(home: string, profile: string, env: NodeJS.ProcessEnv): { stateDir: string; configPath: string; ignored: string[] } {
  const resolve = (p: string): string => path.resolve(expandHome(p, home));
  const inheritedDir = profileStateDir(home, env.OPENCLAW_PROFILE?.trim() || 'default');
  const selectedDir = profileStateDir(home, profile);
  const switches = inheritedDir !== selectedDir;
  const envState = env.OPENCLAW_STATE_DIR?.trim() || undefined;
  const envConfig = env.OPENCLAW_CONFIG_PATH?.trim() || undefined;
  const replacesState = !!envState && switches && resolve(envState) === inheritedDir;
  const replacesConfig = !!envConfig && switches && (!envState || replacesState) && resolve(envConfig) === path.join(inheritedDir, 'openclaw.json');
  const stateDir = envState && !replacesState ? resolve(envState) : selectedDir;
  const configPath = envConfig && !replacesConfig ? resolve(envConfig) : path.join(stateDir, 'openclaw.json');
  const ignored = [...(replacesState ? ['OPENCLAW_STATE_DIR'] : []), ...(replacesConfig ? ['OPENCLAW_CONFIG_PATH'] : [])];
  return { stateDir, configPath, ignored };
}

/** Named profiles: <stateHome>/.openclaw-NAME holding openclaw.json, or an openclaw-gateway-NAME.service unit in HOME. */
export function findProfiles(home: string, stateHome = home): string[] {
  const found = new Set<string>();
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const name of list(stateHome)) {
    const m = /^\.openclaw-(.+)$/.exec(name);
    if (m && isProfileName(m[1]!) && existsSync(path.join(stateHome, name, 'openclaw.json'))) found.add(m[1]!);
  }
  for (const name of list(path.join(home, '.config', 'systemd', 'user'))) {
    const m = /^openclaw-gateway-(.+)\.service$/.exec(name);
    if (m && isProfileName(m[1]!)) found.add(m[1]!);
  }
  for (const name of list(path.join(home, 'Library', 'LaunchAgents'))) {
    const m = /^ai\.openclaw\.(.+)\.plist$/.exec(name);
    if (m && isProfileName(m[1]!) && !['gateway', 'mac', 'node'].includes(m[1]!) && !m[1]!.includes('.')) found.add(m[1]!);
  }
  return [...found].sort();
}

/** The script a bin link points at (npm's .bin/openclaw -> ../openclaw/openclaw.mjs). */
function realScript(bin: string): string {
  try {
    return realpathSync(bin);
  } catch {
    return bin;
  }
}

async function nodeVersion(runner: CommandRunner, node: string, env: NodeJS.ProcessEnv): Promise<{ version: [number, number]; text: string } | undefined> {
  const r = await runner.run([node, '--version'], { timeoutMs: 10_000, env: { PATH: env.PATH ?? '' } });
  const v = r.code === 0 ? parseNodeVersion(r.stdout) : undefined;
  return v ? { version: v, text: r.stdout.trim() } : undefined;
}

/** The last non-empty line of `openclaw config file` that looks like a path. */
export function parseConfigFileOutput(stdout: string, home: string): string | undefined {
  const lines = stdout
    .split('\n')
    .map((l) => withoutEscapes(l).trim())
    .filter((l) => l.startsWith('/') || l.startsWith('~'));
  const last = lines.at(-1);
  return last ? expandHome(last, home) : undefined;
}

export async function detectOpenclaw(inp: DetectInputs): Promise<OpenclawDetection> {
  const warnings: string[] = [];
  const bin = inp.openclawBin ? path.resolve(expandHome(inp.openclawBin, inp.home)) : whichOnPath('openclaw', inp.env.PATH);
  const binaryFound = bin !== undefined && existsSync(bin);
  if (!binaryFound) {
    warnings.push(
      inp.openclawBin
        ? `${inp.openclawBin} does not exist; the config uses it anyway`
        : 'openclaw is not on PATH; the config runs "openclaw" and preflight will report it until it is installed (npm i -g openclaw)',
    );
  }
  let openclaw = [bin ?? 'openclaw'];
  let node: OpenclawDetection['node'];
  if (inp.node) {
    const given = path.resolve(expandHome(inp.node, inp.home));
    const v = await nodeVersion(inp.runner, given, inp.env);
    if (!v) warnings.push(`--node ${inp.node}: \`${given} --version\` did not answer; the config uses it anyway`);
    else if (!nodeFitsOpenclaw(v.version)) warnings.push(`--node ${inp.node} is ${v.text}, but OpenClaw needs Node >= 24.16`);
    if (v) node = { path: given, version: v.text };
    openclaw = [given, binaryFound ? realScript(bin) : (bin ?? 'openclaw')];
  } else if (binaryFound && usesEnvNode(bin)) {
    // `#!/usr/bin/env node` runs on whatever node is first on PATH at run time (under `clawback install`,
    // often an older one): write the node we verified, by absolute path, and the script itself.
    const candidates = [whichOnPath('node', inp.env.PATH), path.join(path.dirname(bin), 'node'), ...(inp.extraNodes ?? [process.execPath])].filter(
      (c): c is string => !!c && existsSync(c),
    );
    const seen: string[] = [];
    for (const c of [...new Set(candidates.map((x) => path.resolve(x)))]) {
      const v = await nodeVersion(inp.runner, c, inp.env);
      if (!v) continue;
      seen.push(`${c} (${v.text})`);
      if (nodeFitsOpenclaw(v.version)) {
        node = { path: c, version: v.text };
        break;
      }
    }
    if (node) openclaw = [node.path, realScript(bin)];
    else warnings.push(`${bin} runs on the PATH's node${seen.length ? ` (${seen.join(', ')})` : ''}, but OpenClaw needs Node >= 24.16 and none was found: pass --node /path/to/node24`);
  }
  // OpenClaw's own paths hang off OPENCLAW_HOME when it is set; service units and Clawback's options stay in HOME.
  const ocHome = openclawHome(inp.env, inp.home);
  const profilesFound = findProfiles(inp.home, ocHome);
  let profile = inp.profile;
  // A legacy default install (~/.clawdbot, clawdbot.json) is a default install too: the gateway still reads it.
  const defaultExists = existingOpenclawConfig(ocHome) !== undefined;
  if (!profile && !inp.configPath && !inp.env.OPENCLAW_CONFIG_PATH && !inp.env.OPENCLAW_STATE_DIR && !defaultExists && profilesFound.length === 1) {
    profile = profilesFound[0];
    warnings.push(`no default install (~/.openclaw/openclaw.json), but one named profile: "${profile}"; this file supervises it (pass --profile to choose)`);
  } else if (!profile && profilesFound.length > 0) {
    warnings.push(`OpenClaw profile(s) found: ${profilesFound.join(', ')}; this file supervises the ${inp.env.OPENCLAW_STATE_DIR ? 'OPENCLAW_STATE_DIR' : 'default'} install (run init again with --profile NAME --out FILE for another)`);
  }
  // A profile settles OPENCLAW_STATE_DIR / OPENCLAW_CONFIG_PATH as `openclaw --profile` does: the default install's
  // paths exported in a shell rc must not make the profile's service run (and repair) the default's files.
  const prof = profile ? profilePaths(ocHome, profile, inp.env) : undefined;
  if (prof && prof.ignored.length > 0) {
    warnings.push(`${prof.ignored.join(' and ')} in the environment name${prof.ignored.length === 1 ? 's' : ''} the ${inp.env.OPENCLAW_PROFILE?.trim() || 'default'} install's files, not profile "${profile}"'s: ignored, as \`openclaw --profile ${profile}\` ignores ${prof.ignored.length === 1 ? 'it' : 'them'}`);
  }
  // Under OPENCLAW_HOME the state dir is written out, so the gateway finds it whatever the daemon's environment is.
  const stateDir = prof
    ? prof.stateDir
    : inp.env.OPENCLAW_STATE_DIR?.trim()
      ? path.resolve(expandHome(inp.env.OPENCLAW_STATE_DIR.trim(), ocHome))
      : ocHome !== inp.home
        ? path.join(ocHome, '.openclaw')
        : undefined;

  let configPath: string | undefined;
  let configPathSource: Source = 'default';
  if (inp.configPath) {
    configPath = path.resolve(expandHome(inp.configPath, inp.home));
    configPathSource = 'option';
  } else if (prof) {
    configPath = prof.configPath;
    configPathSource = inp.env.OPENCLAW_CONFIG_PATH && !prof.ignored.includes('OPENCLAW_CONFIG_PATH') ? 'env' : 'profile';
  } else if (inp.env.OPENCLAW_CONFIG_PATH?.trim()) {
    configPath = path.resolve(expandHome(inp.env.OPENCLAW_CONFIG_PATH.trim(), ocHome));
    configPathSource = 'env';
  } else if (binaryFound) {
    // Ask the CLI itself: it knows profiles and state-dir rules we would only imitate.
    const r = await inp.runner.run([...openclaw, 'config', 'file'], { timeoutMs: inp.timeoutMs ?? 30_000, env: { HOME: inp.home, OPENCLAW_HOME: inp.env.OPENCLAW_HOME, NO_COLOR: '1' } });
    const said = r.code === 0 ? parseConfigFileOutput(r.stdout, ocHome) : undefined;
    if (said) {
      configPath = said;
      configPathSource = 'openclaw';
    } else {
      warnings.push(`\`${openclaw.join(' ')} config file\` did not name a file (${r.error ?? (r.timedOut ? 'timed out' : `exit ${r.code}`)}); looking where the gateway looks`);
    }
  }
  // The gateway's own candidates (legacy ~/.clawdbot and clawdbot.json too), first existing; else the canonical path.
  configPath ??= existingOpenclawConfig(ocHome, stateDir) ?? defaultOpenclawConfigPath(ocHome, stateDir);
  const configExists = existsSync(configPath);
  if (!configExists) warnings.push(`${configPath} does not exist yet: run \`openclaw onboard\` (or \`openclaw config set gateway.mode local\`) before starting`);

  const settings = configExists ? await readGatewaySettings(configPath) : {};
  if (settings.error) warnings.push(`${configPath} does not parse as JSON5 (${settings.error}); port and bind not read from it`);
  const { port, source: portSource } = choosePort(inp.port, inp.env, settings.port, profile);
  const bind = settings.bind ?? 'loopback';
  // The gateway refuses a bind beyond loopback without auth (exit 78, "Refusing to bind gateway to <bind> without auth"):
  // lan, custom and tailnet always may be; auto is 0.0.0.0 in a container. tailnet and custom also listen on 127.0.0.1,
  // so the probes reach them there.
  const container = inp.container ?? isContainerEnvironment(inp.env);
  const wide = bind === 'lan' || bind === 'custom' || bind === 'tailnet' || (bind === 'auto' && container);
  const envAuth = ['OPENCLAW_GATEWAY_TOKEN', 'OPENCLAW_GATEWAY_PASSWORD'].filter((k) => !!inp.env[k]);
  if (wide && !settings.authToken && !settings.authPassword && settings.authMode !== 'trusted-proxy' && settings.authMode !== 'none') {
    warnings.push(
      `gateway.bind is "${bind}"${bind === 'auto' ? ' and this is a container (the gateway then binds 0.0.0.0)' : ''} but the config sets no gateway.auth.token or gateway.auth.password: ` +
        (envAuth.length > 0
          ? `the gateway starts only while ${envAuth.join(' or ')} is in the daemon's environment (not under \`clawback install\`); set gateway.auth.token in the config`
          : `the gateway refuses to start (exit 78, "Refusing to bind gateway to ${bind} without auth"); set gateway.auth.token (\`openclaw config set gateway.auth.token ...\`) or gateway.bind to loopback`),
    );
  }

  const serviceManager = detectServiceManager(existsSync, inp.home, inp.platform, profile);
  const det: OpenclawDetection = { openclaw, binaryFound, configPath, configPathSource, configExists, port, portSource, bind, profilesFound, warnings };
  if (settings.tls) det.tls = true;
  if (profile) det.profile = profile;
  if (node) det.node = node;
  if (stateDir) det.stateDir = stateDir;
  if (serviceManager) det.serviceManager = serviceManager;
  return det;
}
