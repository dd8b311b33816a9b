// The config loader's own short-lived process: it parses and validates (yaml, zod, the schema) and hands the result
// back, so the daemon that asked never loads those modules (issue 19: ~10 MiB of the daemon's RSS).
import { deserialize, serialize } from 'node:v8';
import { config as zodConfig } from 'zod';
import { loadConfig, materialize } from './load.js';
import { ConfigError } from './errors.js';
import type { ConfigJob, ConfigReply } from './config-job.js';

// One validation per process: zod's compiled fast path (generated with new Function) would be built and never reused.
zodConfig({ jitless: true });

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = deserialize(Buffer.concat(chunks)) as ConfigJob;
let reply: ConfigReply;
try {
  reply = { ok: true, value: job.op === 'load' ? loadConfig(job.opts) : materialize(job.source, job.overrides, job.cwd) };
} catch (err) {
  reply = err instanceof ConfigError ? { ok: false, configError: { file: err.file, problems: err.problems } } : { ok: false, message: (err as Error).message ?? String(err) };
}
let bytes: Buffer;
try {
  bytes = serialize(reply);
} catch (err) {
  bytes = serialize({ ok: false, message: `the config loader could not hand back its result: ${(err as Error).message}` } satisfies ConfigReply);
}
process.stdout.write(bytes);
