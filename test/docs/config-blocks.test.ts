// Every config example in README.md and docs/*.md passes the real schema, unless it is marked as a deliberate
// fragment (`<!-- fragment: why -->` before the fence, or `# fragment` as a YAML block's first line). A block of one
// service's keys is marked `<!-- service-fragment -->` and validated inside a minimal service.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfigSource, validateConfig } from '../../src/config/load.js';
import { fencedBlocks, markdownFiles, type FencedBlock } from './markdown.js';

const CONFIG_LANGS = new Set(['yaml', 'yml', 'json', 'json5']);
/** Markers that take a block out of schema validation (each must still say why in the comment). */
const NOT_A_CONFIG = new Set(['fragment', 'status-json', 'not-config']);

function configBlocks(): FencedBlock[] {
  return markdownFiles().flatMap((f) => fencedBlocks(f).filter((b) => CONFIG_LANGS.has(b.lang)));
}

describe('config examples in the docs', () => {
  const blocks = configBlocks();
  const checked = blocks.filter((b) => !b.marker || !NOT_A_CONFIG.has(b.marker));

  it('finds the README configuration example among them', () => {
    expect(checked.some((b) => b.file === 'README.md' && /^stateDir:/m.test(b.text))).toBe(true);
  });

  it.each(checked.map((b) => [`${b.file}:${b.line}`, b] as const))('%s is a valid clawback config', (_where, b) => {
    const label = `${b.file}:${b.line}`;
    let problems = '';
    try {
      const parsed = parseConfigSource(b.text, b.lang === 'json' ? `${label}.json` : `${label}.yaml`);
      const raw = b.marker === 'service-fragment' ? { services: [{ name: 'doc-example', command: ['node', 'server.mjs'], ...(parsed as object) }] } : parsed;
      validateConfig(raw, label);
    } catch (err) {
      problems = (err as Error).message;
    }
    expect(problems, `${label} fails the schema; fix the example or mark it <!-- fragment: why -->`).toBe('');
  });

  it('marked fragments still parse as YAML/JSON and say why they are fragments', () => {
    for (const b of blocks.filter((x) => x.marker === 'fragment' || x.marker === 'not-config')) {
      expect(() => YAML.parse(b.text), `${b.file}:${b.line}`).not.toThrow();
    }
  });
});
