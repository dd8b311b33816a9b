// Reads the project's Markdown the way the doc tests need it: fenced blocks with their language, line and marker.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FencedBlock {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower-cased ('' when none). */
  lang: string;
  text: string;
  /**
   * The marker of an HTML comment on the line just before the fence (blank lines allowed between), e.g.
   * `<!-- fragment: ... -->` -> 'fragment', `<!-- status-json -->` -> 'status-json'; or 'fragment' when a YAML block's
   * first line is `# fragment`.
   */
  marker?: string;
}

/** README.md and every docs/*.md, as repository-relative paths. */
export function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

export function readDoc(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

/** Fenced code blocks (``` or ~~~) of one Markdown text. */
export function fencedBlocks(file: string, text: string = readDoc(file)): FencedBlock[] {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) body.push(lines[j++]!);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const comment = k >= 0 ? /^\s*<!--\s*([\w-]+)/.exec(lines[k]!) : null;
    const lang = open[3]!.toLowerCase();
    const block: FencedBlock = { file, line: i + 1, lang, text: body.join('\n') };
    if (comment) block.marker = comment[1]!.toLowerCase();
    else if ((lang === 'yaml' || lang === 'yml') && /^#\s*fragment\b/i.test(body[0] ?? '')) block.marker = 'fragment';
    blocks.push(block);
    i = j;
  }
  return blocks;
}

/** Inline code spans and fenced shell lines that start with `clawback ` (also `npx clawback `), with where they are. */
export function clawbackCommands(file: string, text: string = readDoc(file)): Array<{ command: string; line: number }> {
  const out: Array<{ command: string; line: number }> = [];
  const lines = text.split('\n');
  let inFence: string | undefined;
  let fenceLang = '';
  lines.forEach((raw, idx) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(raw);
    if (fence) {
      if (!inFence) {
        inFence = fence[1];
        fenceLang = fence[2]!.toLowerCase();
      } else if (raw.trim().startsWith(inFence)) inFence = undefined;
      return;
    }
    if (inFence) {
      // Shell blocks, and usage blocks without a language (`clawback init ...` with continuation lines of [--flags]).
      if (fenceLang !== 'sh' && fenceLang !== 'bash' && fenceLang !== 'shell' && fenceLang !== 'console' && fenceLang !== '') return;
      const last = out.at(-1);
      if (fenceLang === '' && last && last.line === idx && /^\s+\[/.test(raw)) {
        last.command = `${last.command} ${raw.trim()}`;
        last.line = idx + 1;
        return;
      }
      const m = /^\s*(?:\$\s+)?(?:npx\s+)?(clawback\s[^#]*?)\s*(?:#.*)?$/.exec(raw);
      if (m) for (const part of m[1]!.split(/\s*(?:&&|\|\||;)\s*(?:npx\s+)?/)) if (part.startsWith('clawback')) out.push({ command: part.trim(), line: idx + 1 });
      return;
    }
    for (const span of raw.matchAll(/`(?:npx\s+)?(clawback(?:\s[^`]*)?)`/g)) out.push({ command: span[1]!.trim(), line: idx + 1 });
  });
  return out;
}
