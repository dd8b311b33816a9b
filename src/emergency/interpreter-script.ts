// Which argv word is the script an interpreter runs (`sh x.sh`, `node agent.js`): the launcher checks it is there first.
import path from 'node:path';

/** Per interpreter: options that run code given inline or on stdin (no script), and options whose value is the next word. */
interface InterpreterRules {
  inline: readonly string[];
  takesValue: readonly string[];
  /** The shell looks for a script without a slash on PATH when it is not in the working directory (bash, zsh). */
  searchesPath?: boolean;
  /** Letters that, inside a cluster of single-letter flags (`-ec`, `-Im`), mean inline code or stdin. */
  clusterInline?: string;
}

const SHELL: InterpreterRules = { inline: ['-c', '-s', '-i'], takesValue: ['-o', '+o', '-O', '+O'], clusterInline: 'csi' };
const NODE: InterpreterRules = {
  inline: ['-e', '--eval', '-p', '--print', '-i', '--interactive', '-', '--test', '--run', '-v', '--version', '-h', '--help'],
  takesValue: ['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '-C', '--conditions', '--input-type', '--title', '--inspect-port', '--stack-size'],
};
const PYTHON: InterpreterRules = { inline: ['-c', '-m', '-', '-V', '--version', '-h', '--help'], takesValue: ['-W', '-X', '-Q', '--check-hash-based-pycs'], clusterInline: 'cm' };
const PERL_RUBY: InterpreterRules = { inline: ['-e', '-E', '-', '-v', '--version', '-h', '--help'], takesValue: ['-I', '-r', '-M', '-C'], clusterInline: 'eE' };

const RULES: Record<string, InterpreterRules> = {
  sh: SHELL,
  dash: SHELL,
  ash: SHELL,
  ksh: SHELL,
  bash: { ...SHELL, searchesPath: true },
  zsh: { ...SHELL, searchesPath: true },
  node: NODE,
  nodejs: NODE,
  bun: { inline: ['-e', '--eval', '-p', '--print', '-'], takesValue: ['-r', '--preload', '--cwd'] },
  tsx: NODE,
  python: PYTHON,
  python3: PYTHON,
  perl: PERL_RUBY,
  ruby: PERL_RUBY,
};

export interface InterpreterScript {
  interpreter: string;
  script: string;
  /** Also found on PATH (bash/zsh), when the word has no slash. */
  searchesPath: boolean;
}

/**
 * The script word of `argv` when argv[0] is a known interpreter and the script is a plain word in the argv (not the
 * prompt, not inline code, not stdin). `python3.12` and `/usr/bin/node` count as python3 and node.
 */
export function interpreterScript(argv: readonly (string | object)[]): InterpreterScript | undefined {
  const cmd = argv[0];
  if (typeof cmd !== 'string') return undefined;
  const base = path.basename(cmd).replace(/^(python3?)\.\d+$/, '$1');
  const rules = RULES[base];
  if (!rules) return undefined;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i];
    if (typeof word !== 'string') return undefined;
    if (word === '--') {
      const next = argv[i + 1];
      return typeof next === 'string' && next !== '' ? { interpreter: cmd, script: next, searchesPath: rules.searchesPath === true } : undefined;
    }
    if (rules.inline.includes(word)) return undefined;
    if (word.startsWith('-') || word.startsWith('+')) {
      // A cluster of single-letter flags with an inline one in it (`sh -ec`, `python3 -Im`) runs no script either.
      const letters = rules.clusterInline;
      if (letters && /^-[a-zA-Z]+$/.test(word) && [...word.slice(1)].some((c) => letters.includes(c))) return undefined;
      if (rules.takesValue.includes(word)) i++;
      continue;
    }
    if (word === '') return undefined;
    return { interpreter: cmd, script: word, searchesPath: rules.searchesPath === true };
  }
  return undefined;
}
