// The `emergency:` section of a service: which AI agent Level 3 may hand an incident to, and its bounds.
import { z } from 'zod';
import { duration } from '../config/duration-schema.js';

export const ADAPTER_NAMES = ['claude', 'codex', 'gemini', 'command', 'openai', 'anthropic'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

export const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
} as const;

export const DEFAULT_API_KEY_ENV = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
} as const;

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts an http:// (not https) agent endpoint may name. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Why a base URL is not acceptable, or undefined when it is (https anywhere, http on loopback only). */
export function baseUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'expected an absolute URL such as https://api.openai.com/v1';
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHostname(u.hostname)) return undefined;
  if (u.protocol === 'http:') return 'plain http is allowed only for a loopback host (127.0.0.1, ::1, localhost); use https';
  return `expected an https URL, got protocol ${u.protocol}`;
}

/** The least each bound may be (ms); the loader's refinement below and the JSON Schema export (config/json-schema.ts) both read it. */
export const EMERGENCY_MINIMUMS = { timeBox: 1000, verifyWindow: 1, approvalTimeout: 1000, budgetWindow: 60_000 } as const;

export const emergencySchema = z
  .strictObject({
    adapter: z.enum(ADAPTER_NAMES),
    /** fix: the agent may change files and restart; propose: read-only, its proposal is journaled and notified. */
    mode: z.enum(['fix', 'propose']).default('fix'),
    /** Clawback kills the agent at this deadline. */
    timeBox: duration.default(600_000),
    /** After the agent, the service must stay healthy this long for the fix to count. */
    verifyWindow: duration.default(30_000),
    /** For adapter "command": argv template; {prompt_file} and {workdir} are replaced. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Overrides the CLI agent's executable path. */
    binary: z.string().min(1).optional(),
    maxTurns: z.number().int().min(1).max(200).default(30),
    model: z.string().min(1).optional(),
    /** openai / anthropic endpoint; http only for loopback (Ollama, vLLM, LM Studio on this machine). */
    baseUrl: z.string().optional(),
    /** Name of the environment variable that holds the API key. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    /**
     * Variables of the daemon's environment a CLI agent also gets. It gets only PATH, HOME, LANG/LC_*, TERM, TMPDIR,
     * USER, LOGNAME, SHELL and its adapter's own key variables (agent-env.ts): never the rest of the daemon's env.
     */
    passEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')).optional(),
    /** Files (or directories) a CLI agent may touch; default: the service's config file and cwd. */
    allowedPaths: z.array(z.string().min(1)).optional(),
    /** required: Level 3 waits for a person's approval (chat, dashboard, `clawback approve`), then a human if none comes. */
    approval: z.enum(['required', 'none']).default('none'),
    /** How long an approval may take before the incident goes to a human saying nobody approved. */
    approvalTimeout: duration.default(1_800_000),
    /** Agent runs allowed per service within the window, whatever the incidents (paid runs stay bounded). */
    budget: z
      .strictObject({
        runs: z.number().int().min(0).max(100).default(3),
        window: duration.default(86_400_000),
      })
      .prefault({}),
    learnings: z
      .strictObject({
        keep: z.number().int().min(0).max(1000).default(20),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.adapter === 'command' && !cfg.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'adapter "command" needs a command template (argv with {prompt_file})' });
    }
    if (cfg.baseUrl !== undefined) {
      const problem = baseUrlProblem(cfg.baseUrl);
      if (problem) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: problem });
    }
    if (cfg.timeBox < EMERGENCY_MINIMUMS.timeBox) ctx.addIssue({ code: 'custom', path: ['timeBox'], message: 'expected at least 1s' });
    // A zero here reads as "no limit" to a person and meant one to the code, silently: refused with what it would do.
    if (cfg.verifyWindow < EMERGENCY_MINIMUMS.verifyWindow) ctx.addIssue({ code: 'custom', path: ['verifyWindow'], message: 'a verify window of 0 would keep the agent\'s changes the moment the service looks healthy once: expected at least 1ms (default 30s)' });
    if (cfg.approval === 'required' && cfg.approvalTimeout < EMERGENCY_MINIMUMS.approvalTimeout) ctx.addIssue({ code: 'custom', path: ['approvalTimeout'], message: `an approval timeout of ${cfg.approvalTimeout}ms gives nobody the time to approve (every run goes to a human unapproved): expected at least 1s (default 30m)` });
    if (cfg.budget.window < EMERGENCY_MINIMUMS.budgetWindow) {
      ctx.addIssue({ code: 'custom', path: ['budget', 'window'], message: `a budget window of ${cfg.budget.window}ms counts no earlier run, so agent runs would have no limit: expected at least 1m (default 24h); budget.runs: 0 turns agent runs off` });
    }
  });

export type EmergencyConfig = z.output<typeof emergencySchema>;
export type EmergencyConfigInput = z.input<typeof emergencySchema>;
