import { describe, expect, it } from 'vitest';
import { closest, formatHelp, parseCommandArgs, type CommandSpec } from '../../src/cli/args.js';
import { isCalendarDate } from '../../src/cli/check.js';
import { UsageError } from '../../src/cli/io.js';

const SPEC: CommandSpec = {
  name: 'demo',
  usage: 'meshguard demo [options]',
  summary: 'A command for the tests.',
  options: [
    { name: 'format', short: 'f', value: '<fmt>', description: 'output format' },
    { name: 'report', short: 'r', value: '<fmt=path>', multiple: true, description: 'a report\nrepeatable' },
    { name: 'only', description: 'a switch' },
  ],
};

describe('parseCommandArgs', () => {
  it('reads long, short, inline and repeated options, positionals and --', () => {
    const { values, positionals } = parseCommandArgs(SPEC, ['a', '--format=json', '-r', 'x=1', '--report', 'y=2', '--only', '-fsarif', '--', '--not-an-option']);
    expect(values).toEqual({ format: 'sarif', report: ['x=1', 'y=2'], only: true });
    expect(positionals).toEqual(['a', '--not-an-option']);
  });

  it.each([
    [['--formt', 'json'], 'unknown option --formt (did you mean --format?)'],
    [['--fromat'], 'unknown option --fromat (did you mean --format?)'],
    [['--zzz'], "unknown option --zzz (see 'meshguard help demo')"],
    [['-x'], "unknown option -x (see 'meshguard help demo')"],
    [['--format'], 'option --format needs a value <fmt>'],
    [['--format', '--only'], 'option --format needs a value <fmt>'],
    [['--only=yes'], "option --only takes no value, got '--only=yes'"],
  ])('%j -> one clear UsageError', (argv, message) => {
    expect(() => parseCommandArgs(SPEC, argv)).toThrow(UsageError);
    expect(() => parseCommandArgs(SPEC, argv)).toThrow(message);
  });

  it('suggests only near misses', () => {
    expect(closest('chek', ['check', 'rules', 'init'])).toBe('check');
    expect(closest('polcy', ['check', 'policy'])).toBe('policy');
    expect(closest('deploy', ['check', 'rules', 'init'])).toBeUndefined();
  });
});

describe('formatHelp', () => {
  it('aligns every option and its continuation lines in one column', () => {
    const help = formatHelp(SPEC).split('\n');
    expect(help[0]).toBe('Usage: meshguard demo [options]');
    const rows = help.slice(help.indexOf('Options:') + 1).filter((l) => l.trim() !== '');
    const column = rows[0]!.indexOf('output format');
    expect(rows.map((r) => r.search(/\S+$/) >= column || r.indexOf(r.trim()) === column)).toEqual(rows.map(() => true));
    expect(rows).toContain(`${' '.repeat(column)}repeatable`);
  });
});

describe('--today', () => {
  it.each([
    ['2026-11-26', true],
    ['2028-02-29', true],
    ['2027-02-29', false],
    ['2027-13-45', false],
    ['2027-1-5', false],
    ['tomorrow', false],
  ])('%s is a calendar date: %s', (text, valid) => {
    expect(isCalendarDate(text)).toBe(valid);
  });
});
