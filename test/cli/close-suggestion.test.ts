// `clawback bogus` said "Did you mean logs?" and `maintenance web on --json` "Did you mean --reason?": commander
// suggests anything within 3 edits. Only a near miss is suggested now, on stderr and in the --json error alike.
import { describe, expect, it } from 'vitest';
import { keepCloseSuggestions } from '../../src/cli/close-suggestion.js';
import { runCli } from '../helpers/cli.js';

describe('did-you-mean only for a near miss', () => {
  it('keeps a typo of one letter, drops a far guess (pure)', () => {
    expect(keepCloseSuggestions("error: unknown command 'bogus'\n(Did you mean logs?)")).toBe("error: unknown command 'bogus'");
    expect(keepCloseSuggestions("error: unknown option '--json'\n(Did you mean --reason?)")).toBe("error: unknown option '--json'");
    expect(keepCloseSuggestions("error: unknown command 'restat'\n(Did you mean restart?)")).toBe("error: unknown command 'restat'\n(Did you mean restart?)");
    expect(keepCloseSuggestions("error: unknown command 'stpo'\n(Did you mean one of stop, xyzw?)")).toBe("error: unknown command 'stpo'\n(Did you mean stop?)");
    expect(keepCloseSuggestions('error: missing required argument')).toBe('error: missing required argument');
  });

  it('the real CLI: `bogus` gets no guess, `incidnets` gets incidents, on stderr and in --json', async () => {
    const bogus = await runCli(['bogus']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain("unknown command 'bogus'");
    expect(bogus.stderr).not.toContain('Did you mean');
    const typo = await runCli(['incidnets', '--json']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('(Did you mean incidents?)');
    expect(JSON.parse(typo.stdout)).toMatchObject({ ok: false, error: { kind: 'usage', message: expect.stringContaining('Did you mean incidents?') } });
    const option = await runCli(['maintenance', 'web', 'on', '--jsno']);
    expect(option.stderr).toContain("unknown option '--jsno'");
    expect(option.stderr).not.toContain('--reason');
  }, 60_000);
});
