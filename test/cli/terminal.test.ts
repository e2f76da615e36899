import { describe, expect, it } from 'vitest';
import { colorEnabled, createProgress, terminalWidth } from '../../src/cli/terminal.js';

function fakeStderr(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, columns: 60, write: (text: string) => void writes.push(text) }, writes };
}

describe('progress on stderr', () => {
  it('is never drawn into a pipe or a CI log', () => {
    expect(createProgress(fakeStderr(false).stream, {})).toBeUndefined();
    expect(createProgress(fakeStderr(true).stream, { CI: 'true' })).toBeUndefined();
    expect(createProgress(fakeStderr(true).stream, { TERM: 'dumb' })).toBeUndefined();
  });

  it('on a terminal, stays quiet for quick runs, then redraws one line and erases it at the end', () => {
    let clock = 0;
    const { stream, writes } = fakeStderr(true);
    const progress = createProgress(stream, {}, () => clock)!;
    progress.update({ stage: 'loaded', done: 10, total: 10 });
    expect(writes).toEqual([]);
    clock = 600;
    progress.update({ stage: 'rules', done: 1, total: 500 });
    clock = 650; // within 100 ms of the last draw: skipped
    progress.update({ stage: 'rules', done: 2, total: 500 });
    clock = 800;
    progress.update({ stage: 'rules', done: 400, total: 500 });
    progress.done();
    expect(writes).toEqual(['\r\u001b[Kmeshguard: checked 1/500 resources', '\r\u001b[Kmeshguard: checked 400/500 resources', '\r\u001b[K']);
  });

  it('leaves no trace when nothing was drawn', () => {
    const { stream, writes } = fakeStderr(true);
    createProgress(stream, {}, () => 0)!.done();
    expect(writes).toEqual([]);
  });
});

describe('colour and width', () => {
  it('follows the flag, then FORCE_COLOR, NO_COLOR, GitLab CI, then the terminal', () => {
    expect(colorEnabled(false, true, { FORCE_COLOR: '1' })).toBe(false);
    expect(colorEnabled(true, false, { NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(undefined, false, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(undefined, true, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(undefined, true, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(undefined, false, { GITLAB_CI: 'true' })).toBe(true);
    expect(colorEnabled(undefined, true, {})).toBe(true);
    expect(colorEnabled(undefined, false, {})).toBe(false);
  });

  it('wraps at $COLUMNS or the terminal width, never for a pipe without $COLUMNS', () => {
    expect(terminalWidth({ isTTY: true, columns: 100 }, {})).toBe(100);
    expect(terminalWidth({ isTTY: true, columns: 100 }, { COLUMNS: '80' })).toBe(80);
    expect(terminalWidth({ isTTY: false }, {})).toBeUndefined();
    expect(terminalWidth({ isTTY: false }, { COLUMNS: 'x' })).toBeUndefined();
  });
});
