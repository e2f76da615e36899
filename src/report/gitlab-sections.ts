/** GitLab job-log collapsible sections. Timestamps are passed in so output is reproducible in tests. */

const ESC = '\u001b';

export interface SectionOptions {
  /** Start folded in the job log. */
  collapsed?: boolean;
}

/** GitLab only recognises section names made of [A-Za-z0-9_.-]; anything else breaks the marker. */
export function sectionName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return safe.length > 0 ? safe : 'section';
}

function unixSeconds(timestamp: number): number {
  if (!Number.isFinite(timestamp) || timestamp < 0) throw new RangeError(`section timestamp must be a non-negative number of seconds, got ${timestamp}`);
  return Math.floor(timestamp);
}

export function sectionStart(name: string, header: string, timestamp: number, options: SectionOptions = {}): string {
  const flags = options.collapsed ? '[collapsed=true]' : '';
  // A newline (or CR) in the header would end the marker line early and leak into the section body.
  const oneLine = header.replace(/[\r\n]+/g, ' ');
  return `${ESC}[0Ksection_start:${unixSeconds(timestamp)}:${sectionName(name)}${flags}\r${ESC}[0K${oneLine}\n`;
}

export function sectionEnd(name: string, timestamp: number): string {
  return `${ESC}[0Ksection_end:${unixSeconds(timestamp)}:${sectionName(name)}\r${ESC}[0K\n`;
}

/** Wraps `body` (newline-terminated or not) between a start and an end marker. */
export function inSection(
  name: string,
  header: string,
  body: string,
  times: { start: number; end: number },
  options: SectionOptions = {},
): string {
  const content = body.length === 0 || body.endsWith('\n') ? body : `${body}\n`;
  return sectionStart(name, header, times.start, options) + content + sectionEnd(name, times.end);
}
