/** The server's log: one JSON object per line. */

export type LogFunction = (entry: Record<string, unknown>) => void;

/** The default log: JSON lines on stderr, `raw` taking a line already serialised (see `reviewLogger`). */
export interface StderrLog {
  (entry: Record<string, unknown>): void;
  raw(line: string): void;
}

/**
 * One JSON line per request, written once per event-loop turn: a write per request cost more than the
 * admission review itself under load. Lines are flushed before the process exits.
 */
export function batchedStderrLog(): StderrLog {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    process.stderr.write(pending.join(''));
    pending = [];
  };
  process.once('exit', flush);
  const raw = (line: string): void => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
  return Object.assign((entry: Record<string, unknown>) => raw(`${JSON.stringify({ time: isoNow(), ...entry })}\n`), { raw });
}

let isoMs = 0;
let isoText = '';
/** The current time as ISO 8601, formatted once per millisecond (many log lines share one under load). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/**
 * The log line of one review: its fields come from the evaluation thread as JSON object text, so the default
 * log splices them into the line as they are (the same line as serialising the entry); a caller's own log
 * function gets the entry as an object.
 */
export function reviewLogger(log: LogFunction | StderrLog): (rejected: boolean, fields: string, durationMs: number) => void {
  if (!('raw' in log)) {
    return (rejected, fields, durationMs) => log({ level: rejected ? 'warn' : 'info', msg: rejected ? 'request rejected' : 'admission review', ...(JSON.parse(fields) as Record<string, unknown>), durationMs });
  }
  const raw = log.raw;
  return (rejected, fields, durationMs) => {
    const inner = fields.length > 2 ? `,${fields.slice(1, -1)}` : '';
    raw(`{"time":"${isoNow()}","level":"${rejected ? 'warn' : 'info'}","msg":"${rejected ? 'request rejected' : 'admission review'}"${inner},"durationMs":${JSON.stringify(durationMs)}}\n`);
  };
}
