import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS, isReportFormat, renderReport } from '../../src/report/index.js';
import { renderCodeQuality } from '../../src/report/codequality.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderStylish } from '../../src/report/stylish.js';
import { makeInput } from './fixtures.js';

describe('renderReport', () => {
  it('dispatches every format to its reporter', () => {
    const input = makeInput();
    expect(REPORT_FORMATS).toEqual(['stylish', 'json', 'sarif', 'codequality', 'junit']);
    expect(renderReport('stylish', input, { color: true })).toBe(renderStylish(input, { color: true }));
    expect(renderReport('json', input)).toBe(renderJson(input));
    expect(renderReport('sarif', input)).toBe(renderSarif(input));
    expect(renderReport('codequality', input)).toBe(renderCodeQuality(input));
    expect(renderReport('junit', input)).toBe(renderJunit(input));
  });

  it('recognises format names from the command line', () => {
    expect(REPORT_FORMATS.every(isReportFormat)).toBe(true);
    expect(isReportFormat('xml')).toBe(false);
    expect(isReportFormat('SARIF')).toBe(false);
  });

  it.each(REPORT_FORMATS)('%s is byte-identical across renders and does not mutate its input', (format) => {
    const input = makeInput();
    const before = JSON.stringify(input);
    const first = renderReport(format, input, { color: true });
    expect(renderReport(format, makeInput(), { color: true })).toBe(first);
    expect(JSON.stringify(input)).toBe(before);
    expect(first.endsWith('\n')).toBe(true);
  });

  it('never colours machine formats', () => {
    for (const format of REPORT_FORMATS.filter((f) => f !== 'stylish')) {
      expect(renderReport(format, makeInput(), { color: true })).not.toContain('\u001b[3');
    }
  });
});
