// The Dockerfile rules that matter for this image, checked without hadolint: pinned bases, non-root, npm ci, exec form.
import { DockerfileParser } from 'dockerfile-ast';

export interface RuleViolation {
  rule: string;
  line: number;
  message: string;
}

interface Instr {
  keyword: string;
  args: string;
  line: number;
}

function instructions(text: string): Instr[] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => ({ keyword: i.getKeyword().toUpperCase(), args: i.getArgumentsContent() ?? '', line: i.getRange().start.line + 1 }));
}

/** ARG defaults declared before the first FROM: the only ones a FROM line may use. */
function globalArgs(instrs: Instr[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const i of instrs) {
    if (i.keyword === 'FROM') break;
    if (i.keyword !== 'ARG') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(i.args.trim());
    if (m) args.set(m[1]!, (m[2] ?? '').replace(/^"(.*)"$/, '$1'));
  }
  return args;
}

function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a?: string, b?: string) => vars.get((a ?? b)!) ?? whole);
}

function isExecForm(args: string): boolean {
  try {
    const v: unknown = JSON.parse(args.trim());
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/** A user that is not root: a name other than root, or a uid other than 0 (group optional). */
function isNonRootUser(spec: string): boolean {
  const user = spec.trim().split(':')[0] ?? '';
  return user !== '' && user !== 'root' && user !== '0';
}

/** Pure: the violations of our Dockerfile policy in `text` (an empty list means it passes). */
export function lintDockerfile(text: string): RuleViolation[] {
  const instrs = instructions(text);
  const out: RuleViolation[] = [];
  const vars = globalArgs(instrs);
  const stages = new Set<string>();
  const froms = instrs.filter((i) => i.keyword === 'FROM');
  if (froms.length === 0) out.push({ rule: 'from-present', line: 1, message: 'no FROM instruction' });

  for (const i of froms) {
    const words = substitute(i.args, vars).trim().split(/\s+/).filter((w) => !w.startsWith('--platform'));
    const image = words[0] ?? '';
    const alias = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
    if (stages.has(image)) {
      // FROM an earlier stage: nothing to pin.
    } else if (image === 'scratch') {
      // The empty image has no versions.
    } else if (/\$/.test(image)) {
      out.push({ rule: 'from-pinned', line: i.line, message: `FROM ${image}: a variable without a default in a global ARG` });
    } else if (!image.includes('@sha256:')) {
      const tag = /:([^/:]+)$/.exec(image)?.[1];
      if (!tag || tag === 'latest' || !/\d/.test(tag)) {
        out.push({ rule: 'from-pinned', line: i.line, message: `FROM ${image}: pin a version tag (e.g. node:20-bookworm-slim) or a digest` });
      }
    }
    if (alias) stages.add(alias);
  }

  // The last stage is the image that runs: check USER, HEALTHCHECK and the entry point there.
  const lastFromIndex = instrs.lastIndexOf(froms[froms.length - 1]!);
  const finalStage = lastFromIndex >= 0 ? instrs.slice(lastFromIndex) : instrs;
  let user: Instr | undefined;
  for (const i of finalStage) {
    if (i.keyword === 'USER') user = i;
    if ((i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD') && !(user && isNonRootUser(user.args))) {
      out.push({ rule: 'user-non-root', line: i.line, message: `${i.keyword} runs as root: set USER to a non-root user before it` });
    }
  }
  if (!user || !isNonRootUser(user.args)) {
    out.push({ rule: 'user-non-root', line: user?.line ?? 1, message: 'the final stage must end as a non-root USER' });
  }

  const health = finalStage.filter((i) => i.keyword === 'HEALTHCHECK');
  if (health.length === 0) out.push({ rule: 'healthcheck', line: 1, message: 'no HEALTHCHECK in the final stage' });
  for (const h of health) {
    const m = /^(?:--[a-z-]+=\S+\s+)*(CMD|NONE)\b\s*([\s\S]*)$/i.exec(h.args.trim());
    if (!m) out.push({ rule: 'healthcheck', line: h.line, message: 'HEALTHCHECK must be CMD [...] or NONE' });
    else if (m[1]!.toUpperCase() === 'NONE') out.push({ rule: 'healthcheck', line: h.line, message: 'HEALTHCHECK NONE disables the health check' });
    else if (!isExecForm(m[2]!)) out.push({ rule: 'exec-form', line: h.line, message: 'HEALTHCHECK CMD should be in exec form (a JSON array)' });
  }

  for (const i of instrs) {
    if ((i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD') && !isExecForm(i.args)) {
      out.push({ rule: 'exec-form', line: i.line, message: `${i.keyword} must be in exec form (a JSON array) so signals reach the process` });
    }
    if (i.keyword === 'ADD' && /(^|\s)(https?|ftp):\/\//i.test(i.args)) {
      out.push({ rule: 'no-add-url', line: i.line, message: 'ADD of a URL: download with a checksum in RUN, or COPY' });
    }
    if (i.keyword === 'RUN') {
      // `npm install` of the project (not `npm install --global some-cli`): use the lockfile.
      for (const m of i.args.matchAll(/\bnpm\s+(install|i)\b([^;&|]*)/g)) {
        if (!/(^|\s)(-g|--global)(\s|$)/.test(m[2] ?? '')) {
          out.push({ rule: 'npm-ci', line: i.line, message: 'use `npm ci` (the lockfile) instead of `npm install`' });
        }
      }
      if (/\bapt-get\s+install\b/.test(i.args) && !/--no-install-recommends/.test(i.args)) {
        out.push({ rule: 'apt-slim', line: i.line, message: 'apt-get install without --no-install-recommends' });
      }
    }
  }
  return out;
}
