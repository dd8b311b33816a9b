// Clawback's own tools for API agents: the only things a model can do, validated, gated by mode, never a shell.
import { z } from 'zod';
import type { Redactor } from '../observe/redact.js';
import type { EmergencyHost } from './tool-host.js';
import { fenceUntrusted, tailText } from './untrusted-fence.js';
import { restoreRedactedLines } from './secret-restore.js';
import type { ConfigFormat } from '../platform/config-file.js';
import { lostBetweenTexts, type ProtectedChange } from '../doctor/protected-settings.js';

export const TOOL_NAMES = [
  'read_logs',
  'read_config',
  'validate_config',
  'list_snapshots',
  'restore_snapshot',
  'write_config',
  'run_doctor',
  'restart_service',
  'check_health',
  'finish',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Tools that change something: refused in propose mode. */
export const MUTATING_TOOLS: ReadonlySet<ToolName> = new Set(['restore_snapshot', 'write_config', 'run_doctor', 'restart_service']);

const MAX_CONFIG_CHARS = 1_000_000;

/**
 * Characters of service data (logs, doctor report, validator and probe output) one tool result carries at most: every
 * result is sent back with every later request, so an unbounded one (256 KB of log, sixteen times a turn) grew each
 * request by megabytes and the daemon's memory with it. The tail is kept (the newest lines); the config is never cut.
 */
export const MAX_TOOL_DATA_CHARS = 64_000;

/** Redacted service data for the model, its tail at most MAX_TOOL_DATA_CHARS, fenced. */
function data(kind: string, text: string): string {
  return fenceUntrusted(kind, text.length > MAX_TOOL_DATA_CHARS ? tailText(text, Number.MAX_SAFE_INTEGER, MAX_TOOL_DATA_CHARS) : text);
}

const argSchemas = {
  read_logs: z.strictObject({ lines: z.number().int().min(1).max(500).default(100) }),
  read_config: z.strictObject({}),
  validate_config: z.strictObject({ text: z.string().max(MAX_CONFIG_CHARS) }),
  list_snapshots: z.strictObject({}),
  restore_snapshot: z.strictObject({ id: z.string().min(1).max(200) }),
  write_config: z.strictObject({ text: z.string().min(1).max(MAX_CONFIG_CHARS) }),
  run_doctor: z.strictObject({}),
  restart_service: z.strictObject({}),
  check_health: z.strictObject({}),
  finish: z.strictObject({ summary: z.string().min(1).max(4000) }),
} satisfies Record<ToolName, z.ZodType>;

export interface ToolSpec {
  name: ToolName;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

const noArgs = { type: 'object', properties: {}, additionalProperties: false };

export const TOOL_SPECS: readonly ToolSpec[] = [
  {
    name: 'read_logs',
    description: 'The last N lines of the service log (untrusted data, redacted).',
    parameters: { type: 'object', properties: { lines: { type: 'integer', minimum: 1, maximum: 500 } }, additionalProperties: false },
  },
  { name: 'read_config', description: 'The service config file (secrets shown as [REDACTED]; keep those lines unchanged when writing).', parameters: noArgs },
  {
    name: 'validate_config',
    description: 'Checks a candidate config text without writing it.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  },
  { name: 'list_snapshots', description: 'Saved config snapshots (last-known-good and pre-repair), newest first.', parameters: noArgs },
  {
    name: 'restore_snapshot',
    description: 'Restores a saved snapshot over the config file (the current file is snapshotted first).',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
  },
  {
    name: 'write_config',
    description: 'Replaces the whole config file; it is validated first and the current file is snapshotted.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  },
  { name: 'run_doctor', description: "Runs Clawback's doctor (repair rules) once and returns its report.", parameters: noArgs },
  { name: 'restart_service', description: 'Restarts the service.', parameters: noArgs },
  { name: 'check_health', description: "Runs the service's health check once.", parameters: noArgs },
  {
    name: 'finish',
    description: 'Ends the session with a short summary of the cause and what you changed (or propose).',
    parameters: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'], additionalProperties: false },
  },
];

export interface ToolCallOutcome {
  /** Text returned to the model. */
  content: string;
  isError: boolean;
  /** The call was not executed at all (unknown tool, malformed arguments, not allowed in this mode). */
  refused: boolean;
  /** Set by finish(). */
  finished?: string;
}

export interface ToolSetOptions {
  host: EmergencyHost;
  redactor: Redactor;
  mode: 'fix' | 'propose';
  /** The config's protected settings: a write that drops or alters one is refused at once (the run would not be kept). */
  guard?: ProtectedGuard;
  /** The run's time-box: passed to the host, so a validator or doctor in flight at the deadline is killed and writes nothing. */
  signal?: AbortSignal;
  /** One per run: the config as the model last saw it, the base of its writes (a person's save since is not overwritten). */
  seen?: ConfigSeen;
}

/** The config text (unredacted) the model last read or wrote; unset until it reads the config. */
export interface ConfigSeen {
  text?: string;
}

export interface ProtectedGuard {
  patterns: readonly string[];
  format: ConfigFormat;
}

function refuse(reason: string): ToolCallOutcome {
  return { content: `REFUSED: ${reason}. Nothing was executed.`, isError: true, refused: true };
}

function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}

/** Parses raw arguments (a JSON string from chat-completions, an object from Messages). */
function parseRawArgs(raw: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: {} };
  if (typeof raw === 'string') {
    try {
      return { ok: true, value: JSON.parse(raw) as unknown };
    } catch (e) {
      return { ok: false, error: `arguments are not valid JSON (${(e as Error).message})` };
    }
  }
  return { ok: true, value: raw };
}

/** The tools specs offered in a mode (propose mode offers only read-only tools). */
export function toolSpecsFor(mode: 'fix' | 'propose'): ToolSpec[] {
  return TOOL_SPECS.filter((t) => mode === 'fix' || !MUTATING_TOOLS.has(t.name));
}

/** Executes one tool call, or refuses it; never throws. */
export async function executeToolCall(name: string, rawArgs: unknown, opts: ToolSetOptions): Promise<ToolCallOutcome> {
  if (!isToolName(name)) return refuse(`unknown tool "${name.slice(0, 80)}"; the only tools are ${TOOL_NAMES.join(', ')}`);
  if (opts.mode === 'propose' && MUTATING_TOOLS.has(name)) return refuse(`"${name}" is not allowed in propose mode (read-only)`);
  const raw = parseRawArgs(rawArgs);
  if (!raw.ok) return refuse(`malformed arguments for ${name}: ${raw.error}`);
  const parsed = argSchemas[name].safeParse(raw.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(`malformed arguments for ${name}: ${issue ? `${issue.path.join('.') || '(args)'}: ${issue.message}` : 'invalid'}`);
  }
  const args = parsed.data as Record<string, unknown>;
  const { host, redactor } = opts;
  const red = (s: string): string => redactor.redact(s);
  try {
    switch (name) {
      case 'read_logs':
        return ok(data('log', red(await host.tailLog(args.lines as number))));
      case 'read_config': {
        // Never cut: a model that saw half a config would write half a config back.
        const raw = await host.readConfig();
        if (opts.seen) opts.seen.text = raw;
        const config = red(raw);
        if (config.length > MAX_CONFIG_CHARS) return ok(`the config is ${config.length} characters, over the ${MAX_CONFIG_CHARS} a tool result may carry: not shown`, true);
        return ok(fenceUntrusted('config', config));
      }
      case 'validate_config': {
        const text = await withSecrets(args.text as string, host, redactor);
        if (!text.ok) return { content: text.error, isError: true, refused: false };
        const v = await host.validateConfig(text.text, opts.signal);
        return ok(v.ok ? 'valid' : `invalid:\n${data('validation', red(v.error ?? 'unknown error'))}`, !v.ok);
      }
      case 'list_snapshots': {
        const list = await host.listSnapshots();
        return ok(list.length === 0 ? 'no snapshots' : list.map((s) => `${s.id} saved ${new Date(s.savedAt).toISOString()} sha256 ${s.sha256.slice(0, 12)}`).join('\n'));
      }
      case 'restore_snapshot': {
        const id = args.id as string;
        if (opts.guard) {
          const text = await host.readSnapshot(id);
          if (text === undefined) return ok(`refused: no snapshot ${red(id)}`, true);
          const lost = await protectedLost(text, host, opts.guard);
          if (lost.length > 0) return refuse(`restore_snapshot ${red(id)} would ${describeLost(lost)}: a person's to change; pick another snapshot or write the fix with write_config, keeping those values exactly as they are`);
        }
        const restored = await host.restoreSnapshot(id, opts.signal, opts.seen?.text);
        await noteWritten(opts, await host.readSnapshot(id).catch(() => undefined));
        return ok(data('result', red(restored)));
      }
      case 'write_config': {
        const text = await withSecrets(args.text as string, host, redactor);
        if (!text.ok) return { content: text.error, isError: true, refused: false };
        const v = await host.validateConfig(text.text, opts.signal);
        if (!v.ok) return { content: `not written: invalid config:\n${data('validation', red(v.error ?? 'unknown error'))}`, isError: true, refused: false };
        const lost = opts.guard ? await protectedLost(text.text, host, opts.guard) : [];
        if (lost.length > 0) {
          return refuse(`write_config would ${describeLost(lost)}: a person's to change; keep those values exactly as they are`);
        }
        const written = await host.writeConfig(text.text, opts.signal, opts.seen?.text);
        await noteWritten(opts, text.text);
        return ok(data('result', red(written)));
      }
      case 'run_doctor':
        return ok(data('doctor', red(await host.runDoctor(opts.signal))));
      case 'restart_service':
        return ok(red(await host.restartService()));
      case 'check_health': {
        const h = await host.checkHealth();
        // The probes' words quote the service (a log probe's matched line, a command probe's output): data, fenced.
        return ok(`${h.healthy ? 'healthy' : 'unhealthy'}\n${data('probes', red(h.detail))}`);
      }
      case 'finish':
        return { content: 'finished; Clawback will now verify the service', isError: false, refused: false, finished: red(args.summary as string) };
    }
  } catch (e) {
    return { content: `error: ${red((e as Error).message ?? String(e))}`, isError: true, refused: false };
  }
}

/** After a write: when the file now holds the model's text, that is what it has seen (its next write is based on it). */
async function noteWritten(opts: ToolSetOptions, text: string | undefined): Promise<void> {
  if (!opts.seen || text === undefined) return;
  if ((await opts.host.readConfig().catch(() => undefined)) === text) opts.seen.text = text;
}

function ok(content: string, isError = false): ToolCallOutcome {
  return { content, isError, refused: false };
}

function describeLost(lost: readonly ProtectedChange[]): string {
  return lost.map((c) => `${c.change === 'removed' ? 'remove' : 'change'} the protected setting ${c.path}`).join(', ');
}

/** Protected settings the candidate removes or alters against the current file (none when it does not parse). */
async function protectedLost(candidate: string, host: EmergencyHost, guard: ProtectedGuard): Promise<ProtectedChange[]> {
  const current = await host.readConfig().catch(() => undefined);
  return current === undefined ? [] : lostBetweenTexts(current, candidate, guard.patterns, guard.format);
}

async function withSecrets(text: string, host: EmergencyHost, redactor: Redactor): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  let current = '';
  try {
    current = await host.readConfig();
  } catch {
    // no current file: nothing to restore from
  }
  const r = restoreRedactedLines(text, current, redactor);
  return r.ok ? { ok: true, text: r.text } : { ok: false, error: `not accepted: ${r.error}` };
}
