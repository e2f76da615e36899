import { describe, expect, it } from 'vitest';
import { inSection, sectionEnd, sectionName, sectionStart } from '../../src/report/gitlab-sections.js';

const E = '\u001b';

describe('gitlab sections', () => {
  it('writes GitLab\'s start and end markers with the given timestamps', () => {
    expect(sectionStart('meshguard_report', 'meshguard findings', 1764199620)).toBe(`${E}[0Ksection_start:1764199620:meshguard_report\r${E}[0Kmeshguard findings\n`);
    expect(sectionStart('meshguard_report', 'meshguard findings', 1764199620, { collapsed: true })).toBe(
      `${E}[0Ksection_start:1764199620:meshguard_report[collapsed=true]\r${E}[0Kmeshguard findings\n`,
    );
    expect(sectionEnd('meshguard_report', 1764199621.9)).toBe(`${E}[0Ksection_end:1764199621:meshguard_report\r${E}[0K\n`);
  });

  it('wraps a body, adding the missing final newline', () => {
    const text = inSection('report', 'Report', 'line 1\nline 2', { start: 10, end: 12 }, { collapsed: true });
    expect(text.split('\n')).toEqual([`${E}[0Ksection_start:10:report[collapsed=true]\r${E}[0KReport`, 'line 1', 'line 2', `${E}[0Ksection_end:12:report\r${E}[0K`, '']);
    expect(inSection('r', 'R', 'x\n', { start: 1, end: 2 })).toBe(`${E}[0Ksection_start:1:r\r${E}[0KR\nx\n${E}[0Ksection_end:1:r\r${E}[0K\n`.replace('section_end:1', 'section_end:2'));
  });

  it('keeps names and headers within what GitLab parses', () => {
    expect(sectionName('meshguard report: k8s/*')).toBe('meshguard_report__k8s__');
    expect(sectionName('')).toBe('section');
    expect(sectionStart('a', 'two\nlines', 0)).toBe(`${E}[0Ksection_start:0:a\r${E}[0Ktwo lines\n`);
    expect(() => sectionStart('a', 'b', Number.NaN)).toThrow(RangeError);
    expect(() => sectionEnd('a', -1)).toThrow(RangeError);
  });
});
