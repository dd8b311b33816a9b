// The preset's restart patterns, protected settings (and its config's JSON5), added after `clawback init` had written configs: filled in at load for a gateway whose file lacks them.
import type { ServiceConfig } from '../config/schema.js';

/** Under OPENCLAW_SUPERVISOR_MODE=external a restart it wants is "exit 0 and let the supervisor start me": its last line (openclaw 2026.9.6). */
export const OPENCLAW_SELF_RESTART_PATTERN = 'restart mode: full process restart \\(supervisor restart\\)';
/** Exit 78 for a missing credential the person must choose (openclaw 2026.9.6, gateway run): its doctor cannot set one. */
export const OPENCLAW_HUMAN_ONLY_PATTERN = 'Refusing to bind gateway to .* without auth|Gateway auth is set to password, but no password is configured';

/**
 * Exit 78 that a new start cures (openclaw 2026.9.6, gateway run): the config was edited while it started, so it refuses
 * readiness and asks to be restarted. Not a broken config: no hold, no doctor rewriting a valid file.
 */
export const OPENCLAW_RETRY_PATTERN = 'migration inputs changed during startup.*Restart OpenClaw';

/**
 * The gateway's words when another OpenClaw process owns its state dir (openclaw 2026.9.6): the start-up maintenance
 * check's refusal ("another OpenClaw process owns gateway-lifecycle", "An agent database is in use. Stop other OpenClaw
 * processes using this state"), the lifecycle wait, and the lock timeouts ("gateway already running (pid N)", "state
 * directory is locked by <role>"). Exit 78 or 1; neither a restart nor its doctor gets past the other process.
 */
export const OPENCLAW_STATE_IN_USE_PATTERN =
  'another OpenClaw process owns gateway-lifecycle|gateway-lifecycle ownership held by another OpenClaw process|' +
  'Stop other OpenClaw processes using this state|gateway already running \\(pid \\d+\\)|state directory is locked by ';

/**
 * Settings a repair must never drop or change silently (read from the gateway's docs, 2026.9.6):
 * its auth (token, password, mode), where and how it listens (port, bind, TLS), the remote gateway's credentials, every
 * channel and model-provider credential (at any depth, so per-account ones too), the config's `env`
 * block (inline provider keys: `env.OPENROUTER_API_KEY`, `env.vars.GROQ_API_KEY`, help/environment)
 * and the per-skill keys (`skills.entries.<id>.apiKey` and `.env`, tools/skills-config); and, anywhere in the file, every
 * key the gateway itself classes as sensitive (hooks, tools, talk, plugins' own config, provider headers), and the files
 * that hold a credential (tokenFile, serviceAccountFile).
 */
export const OPENCLAW_PROTECTED_SETTINGS = [
  'gateway.auth',
  'gateway.port',
  'gateway.bind',
  // HTTPS only when enabled (init's probes then speak https://), with its certificate and key: how it listens.
  'gateway.tls',
  // Who may reach it: the proxies it trusts for the client's address and trusted-proxy auth, and its Control UI's
  // browser origins and auth posture (allowInsecureAuth, dangerouslyDisableDeviceAuth, dangerouslyAllowHostHeader...).
  'gateway.trustedProxies',
  'gateway.controlUi.allowedOrigins',
  'gateway.controlUi.allowInsecureAuth',
  'gateway.controlUi.dangerously*',
  'gateway.remote.token',
  'gateway.remote.password',
  'channels.**.*token',
  'channels.**.*tokenFile',
  'channels.**.*secret',
  'channels.**.*password',
  'channels.**.*key',
  'channels.**.serviceAccount',
  // Who may talk to the bot, per channel and per account: a restore must not reopen DMs or re-admit a blocked sender.
  'channels.**.dmPolicy',
  'channels.**.groupPolicy',
  'channels.**.allowFrom',
  'channels.**.groupAllowFrom',
  'models.providers.*.apiKey',
  'models.providers.**.*token',
  'models.providers.**.*secret',
  'env',
  'skills.entries.*.apiKey',
  'skills.entries.*.env',
  // Anywhere else, what the gateway itself treats as a credential (src/config/sensitive-paths.ts: token$, password,
  // secret, api.?key, encrypt.?key, private.?key, serviceAccount(Ref), and the env/headers blocks): hooks.token,
  // tools.web.search.apiKey, talk.*.apiKey, plugins.entries.<id>.config.apiKey, models.providers.<id>.headers...
  '**.*token',
  '**.*password*',
  '**.*secret*',
  '**.*api*key*',
  '**.*encrypt*key*',
  '**.*private*key*',
  '**.serviceAccount',
  '**.serviceAccountRef',
  // A file holding a credential is the credential's setting: Google Chat's serviceAccountFile (per account too), a
  // tokenFile outside channels; *passwordFile, *secretFile and *KeyFile are matched by the patterns above already.
  '**.serviceAccountFile',
  '**.*tokenFile',
  // WhatsApp's login is a folder, not a key: the Baileys multi-file auth state of each account
  // (channels.whatsapp.accounts.<id>.authDir, zod-schema.providers-whatsapp). Another folder is another (or no) login.
  'channels.**.authDir',
  '**.env',
  '**.headers',
] as const;

/**
 * A gateway's config file gets the preset's protected settings added to its own. A service with an `openclaw` block that Clawback spawns, written before the preset named these patterns, gets them now
 * (an exit 78 "Refusing to bind ... without auth" ran the whole doctor ladder; the gateway's own restart was a crash).
 * A key the file sets wins, even empty (""), which turns it off. Mutates the parsed config in place (it is fresh from zod).
 */
export function fillOpenclawRestartDefaults(service: ServiceConfig): void {
  // The gateway reads its config as JSON5 whatever the file is called (OPENCLAW_CONFIG_PATH): every reader agrees.
  if (service.openclaw && service.configFile?.format === 'auto') service.configFile.format = 'json5';
  // `clawback init` writes the preset's protected list into the file as it was that day: settings the preset protects
  // since (gateway.tls, serviceAccountFile) reach every gateway's config, spawned or external. The file's own patterns
  // add to them; a preset setting is never given up (protecting more only keeps a value a repair would have changed).
  const cf = service.configFile;
  if (service.openclaw && cf) cf.protect = [...new Set([...(cf.protect ?? []), ...OPENCLAW_PROTECTED_SETTINGS])];
  if (!service.openclaw || service.external) return;
  const r = service.restart;
  if (r.selfRestartPattern === undefined) r.selfRestartPattern = OPENCLAW_SELF_RESTART_PATTERN;
  if (r.humanOnlyPattern === undefined) r.humanOnlyPattern = OPENCLAW_HUMAN_ONLY_PATTERN;
  if (r.retryPattern === undefined) r.retryPattern = OPENCLAW_RETRY_PATTERN;
}
