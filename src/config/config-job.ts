// What the daemon asks its config loader process for, and what comes back (v8-serialized both ways).
import type { ClawbackConfig } from './schema.js';
import type { LoadedConfig, LoadOptions } from './load.js';
import type { ConfigProblem } from './errors.js';
import type { ScaleOverrides } from '../instances/scale-store.js';

export type ConfigJob =
  | { op: 'load'; opts: Omit<LoadOptions, 'env'> }
  | { op: 'materialize'; source: Pick<LoadedConfig, 'raw' | 'declared' | 'file'>; overrides: ScaleOverrides; cwd: string };

export type ConfigReply =
  | { ok: true; value: LoadedConfig | ClawbackConfig }
  | { ok: false; configError: { file: string; problems: ConfigProblem[] } }
  | { ok: false; message: string };
