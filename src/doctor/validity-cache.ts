// One doctor run judges the same bytes once: a validator can take 30 s (a whole CLI start), and rules ask about the same file.
import { detectFormat, parseConfigText, readServiceConfigFile, sha256 } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import { checkConfigContent, checkConfigFile, configFileOf, type ConfigCheck } from './config-validity.js';
import { runnerOf } from './command-runner.js';
import { includeDirectives, readIncludes } from '../platform/config-includes.js';

/** Verdicts by what was judged (the config's bytes and its included files' bytes), owned by one doctor run (runDoctor makes it; nothing module-level). */
export type ValidityCache = Map<string, ConfigCheck>;

/**
 * The cache key of config bytes at the config path: their checksum, and for a split config ($include) also every
 * included file's path and bytes as they are now. The service judges the whole, so a repair that changed only an
 * included file (the service's doctor fixing it) must not be answered with the verdict on the old one.
 */
async function keyOf(ctx: DoctorContext, content: Buffer): Promise<string> {
  const spec = configFileOf(ctx.service);
  const sum = sha256(content);
  const format = detectFormat(spec.path, spec.format);
  const parsed = parseConfigText(content.toString('utf8'), format);
  if (!parsed.ok || includeDirectives(parsed.value).length === 0) return sum;
  const { files, problems } = await readIncludes(spec.path, parsed.value, format);
  const parts = [sum, ...files.map((f) => `${f.file}\0${sha256(f.content)}`), ...problems.map((p) => `${p.file}\0${p.problem}`)];
  return sha256(Buffer.from(parts.join('\n')));
}

function remember(cache: ValidityCache | undefined, key: string | undefined, c: ConfigCheck): ConfigCheck {
  // A validator that could not run says nothing about the bytes: ask again next time.
  if (cache && key && c.checksum && c.validator !== 'unavailable') cache.set(key, c);
  return c;
}

/** checkConfigFile, answered from the run's cache when these exact bytes (and included files) were judged already. */
export async function checkFileFor(ctx: DoctorContext): Promise<ConfigCheck> {
  const cache = ctx.validity;
  let key: string | undefined;
  if (cache) {
    const content = await readServiceConfigFile(configFileOf(ctx.service).path).catch(() => undefined);
    key = content ? await keyOf(ctx, content) : undefined;
    const hit = key ? cache.get(key) : undefined;
    if (hit) return hit;
  }
  const check = await checkConfigFile(ctx.service, runnerOf(ctx), ctx.signal ? { signal: ctx.signal } : {});
  // Keyed by the bytes actually judged (the file may have changed between the read above and the check).
  return remember(cache, check.content ? await keyOf(ctx, check.content) : key, check);
}

/** checkConfigContent (bytes not at the config path yet), through the same cache. */
export async function checkContentFor(ctx: DoctorContext, content: Buffer): Promise<ConfigCheck> {
  const key = ctx.validity ? await keyOf(ctx, content) : undefined;
  const hit = key ? ctx.validity?.get(key) : undefined;
  if (hit) return hit;
  return remember(ctx.validity, key, await checkConfigContent(ctx.service, content, runnerOf(ctx), ctx.signal ? { signal: ctx.signal } : {}));
}
