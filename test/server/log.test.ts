import { describe, expect, it } from 'vitest';
import { reviewLogger, type StderrLog } from '../../src/server/log.js';

const fields = { uid: 'u-1', operation: 'CREATE', dryRun: false, kind: 'Deployment', namespace: 'team-01', name: 'web "a"', outcome: 'denied', allowed: false, findings: ['injection-labels', 'mtls-strict'] };

/** The line as it was built before the fields came as text: the entry serialised whole, the time first. */
function expectedLine(time: string, rejected: boolean, durationMs: number): string {
  return JSON.stringify({ time, level: rejected ? 'warn' : 'info', msg: rejected ? 'request rejected' : 'admission review', ...fields, durationMs });
}

describe('the log line of a review', () => {
  it('splices the fields into the same JSON line the whole entry serialises to', () => {
    const lines: string[] = [];
    const sink: StderrLog = Object.assign(() => undefined, { raw: (line: string) => lines.push(line) });
    const logReview = reviewLogger(sink);
    logReview(false, JSON.stringify(fields), 1.234);
    logReview(true, JSON.stringify(fields), 0.5);
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      expect(line.endsWith('\n')).toBe(true);
      const time = (JSON.parse(line) as { time: string }).time;
      expect(new Date(time).toISOString()).toBe(time);
      expect(line).toBe(`${expectedLine(time, i === 1, i === 0 ? 1.234 : 0.5)}\n`);
    }
  });

  it('gives a line without fields when the thread sent none', () => {
    const lines: string[] = [];
    const logReview = reviewLogger(Object.assign(() => undefined, { raw: (line: string) => lines.push(line) }));
    logReview(true, '{}', 2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'request rejected', durationMs: 2 });
  });

  it("hands a caller's own log function the entry as an object", () => {
    const entries: Record<string, unknown>[] = [];
    const logReview = reviewLogger((entry) => entries.push(entry));
    logReview(false, JSON.stringify(fields), 3.5);
    expect(entries).toEqual([{ level: 'info', msg: 'admission review', ...fields, durationMs: 3.5 }]);
    expect(Object.keys(entries[0]!)).toEqual(['level', 'msg', ...Object.keys(fields), 'durationMs']);
  });
});
