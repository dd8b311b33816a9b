// One doctor run judges the same bytes once: a validator can take 30 s (a whole CLI start), and rules ask about the same file.
import { promises as fs } from 'node:fs';
import { sha256 } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import { checkConfigContent, checkConfigFile, configFileOf, type ConfigCheck } from './config-validity.js';
import { runnerOf } from './command-runner.js';

/** Verdicts by content checksum, owned by one doctor run (runDoctor makes it; nothing module-level). */
export type ValidityCache = Map<string, ConfigCheck>;

function remember(cache: ValidityCache | undefined, c: ConfigCheck): ConfigCheck {
  // A validator that could not run says nothing about the bytes: ask again next time.
  if (cache && c.checksum && c.validator !== 'unavailable') cache.set(c.checksum, c);
  return c;
}

/** checkConfigFile, answered from the run's cache when these exact bytes were judged already. */
export async function checkFileFor(ctx: DoctorContext): Promise<ConfigCheck> {
  const cache = ctx.validity;
  if (cache) {
    const content = await fs.readFile(configFileOf(ctx.service).path).catch(() => undefined);
    const hit = content ? cache.get(sha256(content)) : undefined;
    if (hit) return hit;
  }
  return remember(cache, await checkConfigFile(ctx.service, runnerOf(ctx), ctx.signal ? { signal: ctx.signal } : {}));
}

/** checkConfigContent (bytes not at the config path yet), through the same cache. */
export async function checkContentFor(ctx: DoctorContext, content: Buffer): Promise<ConfigCheck> {
  const hit = ctx.validity?.get(sha256(content));
  if (hit) return hit;
  return remember(ctx.validity, await checkConfigContent(ctx.service, content, runnerOf(ctx), ctx.signal ? { signal: ctx.signal } : {}));
}
