// The live-daemons listing offers the command typed, with each daemon's --state-dir: only where repeating it there is
// safe (a read, or an act through that daemon on what was named); `run`, `init`, `install` get `status` instead.
import { describe, expect, it } from 'vitest';
import { typedCommand } from '../../src/cli/typed-command.js';
import { liveDaemonsText } from '../../src/cli/live-daemons-hint.js';

describe('typedCommand', () => {
  it('keeps the command and its arguments, without the global options that chose the state directory', () => {
    expect(typedCommand(['stop', 'web'])).toEqual(['stop', 'web']);
    expect(typedCommand(['-c', 'x.yaml', 'logs', 'web', '-n', '3', '--state-dir', '/s'])).toEqual(['logs', 'web', '-n', '3']);
    expect(typedCommand(['--config=x.yaml', 'restart', 'web', '--json', '--state-dir=/s', '-cx.yaml'])).toEqual(['restart', 'web', '--json']);
    expect(typedCommand(['logs', '--', '-c'])).toEqual(['logs', '--', '-c']);
  });

  it('offers status for a command that would start or change something in that state directory', () => {
    for (const args of [['run'], ['-c', 'x.yaml', 'run'], ['init', '--force'], ['install'], ['update', 'web'], ['drill', 'all'], []]) {
      expect(typedCommand(args), args.join(' ')).toEqual(['status']);
    }
  });

  it('is what the listing offers for each live daemon', () => {
    const found = [{ pid: 4248, stateDir: '/x/state', configFile: '/x/clawback.yaml' }] as Parameters<typeof liveDaemonsText>[0];
    expect(liveDaemonsText(found, ['stop', 'web'])).toMatch(/pid 4248 runs \/x\/clawback\.yaml, reach it with: .* --state-dir \/x\/state stop web$/);
    expect(liveDaemonsText(found, ['run'])).toMatch(/see it with: .* --state-dir \/x\/state status$/);
  });
});

describe('liveDaemonsText with several daemons', () => {
  it('names each on its own line, the pids and files aligned', () => {
    const found = [
      { pid: 42, stateDir: '/a/state', configFile: '/a/clawback.yaml' },
      { pid: 4248, stateDir: '/longer/b/state', configFile: '/longer/b/clawback.yaml' },
    ] as Parameters<typeof liveDaemonsText>[0];
    const lines = liveDaemonsText(found, ['status']).split('\n');
    expect(lines[0]).toBe('live clawback daemons found:');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^  pid 42   runs \/a\/clawback\.yaml,        see it with: .* --state-dir \/a\/state status$/);
    expect(lines[2]).toMatch(/^  pid 4248 runs \/longer\/b\/clawback\.yaml, see it with: .* --state-dir \/longer\/b\/state status$/);
    expect(lines[1]!.indexOf('see it with')).toBe(lines[2]!.indexOf('see it with'));
  });
});
