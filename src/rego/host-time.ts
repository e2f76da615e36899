// Time builtins' calendar work: time zones (IANA names via Intl), Go reference layouts
// ("2006-01-02T15:04:05Z07:00") for time.format / time.parse_ns, and time.diff.

export class TimeError extends Error {}

export interface Civil {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  nanos: number; weekday: number; offsetMinutes: number; zone: string;
}

const NS_PER_MS = 1_000_000;

function offsetMinutes(ms: number, tz: string): number {
  if (tz === '' || tz === 'UTC') return 0;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz === 'Local' ? undefined : tz, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch {
    throw new TimeError(`unknown time zone ${tz}`);
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

export function civil(ns: number | bigint, tz = 'UTC'): Civil {
  // A bigint keeps the nanoseconds a double past 2^53 would round (1703444325734390000 is ...390016 as a double).
  const ms = typeof ns === 'bigint' ? Number((ns - ((ns % 1_000_000n) + 1_000_000n) % 1_000_000n) / 1_000_000n) : Math.floor(ns / NS_PER_MS);
  const off = offsetMinutes(ms, tz);
  const d = new Date(ms + off * 60000);
  const nanos = typeof ns === 'bigint' ? Number(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n) : ((ns % 1e9) + 1e9) % 1e9;
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), nanos, weekday: d.getUTCDay(), offsetMinutes: off,
    zone: tz === '' ? 'UTC' : tz,
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
// Longest first, so "2006" wins over "2" and "January" over "Jan".
const TOKENS = ['January', 'Monday', '2006', 'Z07:00', '-07:00', 'Z0700', '-0700', 'Jan', 'Mon', 'MST', '002', '_2', '01', '02', '03', '04', '05', '06', '15', 'PM', 'pm', '-07', '1', '2', '3', '4', '5'];

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

function tzText(off: number, style: string): string {
  if (off === 0 && style.startsWith('Z')) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const h = pad(Math.floor(Math.abs(off) / 60)), m = pad(Math.abs(off) % 60);
  if (style.endsWith(':00')) return `${sign}${h}:${m}`;
  if (style === '-07') return `${sign}${h}`;
  return `${sign}${h}${m}`;
}

export const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';

/** The layout names time.format accepts besides a layout (Go's time package constants, as OPA documents). */
export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006', UnixDate: 'Mon Jan _2 15:04:05 MST 2006', RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST', RFC822Z: '02 Jan 06 15:04 -0700', RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST', RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00', RFC3339Nano: RFC3339_NANO, Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05', StampMilli: 'Jan _2 15:04:05.000', StampMicro: 'Jan _2 15:04:05.000000', StampNano: 'Jan _2 15:04:05.000000000',
  Layout: "01/02 03:04:05PM '06 -0700", DateTime: '2006-01-02 15:04:05', DateOnly: '2006-01-02', TimeOnly: '15:04:05',
};

export function formatLayout(c: Civil, layout: string): string {
  let out = '';
  for (let i = 0; i < layout.length;) {
    const frac = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (frac && (frac[1]!.length > 0)) {
      const digits = String(c.nanos).padStart(9, '0').slice(0, frac[1]!.length);
      if (frac[1]![0] === '0') out += '.' + digits;
      else { const t = digits.replace(/0+$/, ''); if (t) out += '.' + t; }
      i += frac[0].length;
      continue;
    }
    const tok = TOKENS.find((t) => layout.startsWith(t, i));
    if (!tok) { out += layout[i]; i++; continue; }
    i += tok.length;
    switch (tok) {
      case '2006': out += pad(c.year, 4); break;
      case '06': out += pad(c.year % 100); break;
      case 'January': out += MONTHS[c.month - 1]; break;
      case 'Jan': out += MONTHS[c.month - 1]!.slice(0, 3); break;
      case '01': out += pad(c.month); break;
      case '1': out += String(c.month); break;
      case 'Monday': out += DAYS[c.weekday]; break;
      case 'Mon': out += DAYS[c.weekday]!.slice(0, 3); break;
      case '02': out += pad(c.day); break;
      case '_2': out += String(c.day).padStart(2, ' '); break;
      case '2': out += String(c.day); break;
      case '002': out += pad(dayOfYear(c), 3); break;
      case '15': out += pad(c.hour); break;
      case '03': out += pad(c.hour % 12 || 12); break;
      case '3': out += String(c.hour % 12 || 12); break;
      case '04': out += pad(c.minute); break;
      case '4': out += String(c.minute); break;
      case '05': out += pad(c.second); break;
      case '5': out += String(c.second); break;
      case 'PM': out += c.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += c.hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += c.zone; break;
      default: out += tzText(c.offsetMinutes, tok);
    }
  }
  return out;
}

function dayOfYear(c: Civil): number {
  return Math.round((Date.UTC(c.year, c.month - 1, c.day) - Date.UTC(c.year, 0, 1)) / 86400000) + 1;
}

/** time.parse_ns: turns a Go layout into a regular expression and reads the fields back. */
export function parseLayout(layout: string, value: string): number {
  let re = '';
  const fields: string[] = [];
  for (let i = 0; i < layout.length;) {
    const frac = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (frac) { re += '(?:[.,](\\d+))?'; fields.push('frac'); i += frac[0].length; continue; }
    const tok = TOKENS.find((t) => layout.startsWith(t, i));
    if (!tok) { re += layout[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); i++; continue; }
    i += tok.length;
    fields.push(tok);
    if (tok === 'January' || tok === 'Monday') re += '([A-Za-z]+)';
    else if (tok === 'Jan' || tok === 'Mon' || tok === 'MST') re += '([A-Za-z]{3,})';
    else if (tok === 'PM' || tok === 'pm') re += '([AaPp][Mm])';
    else if (tok.includes('07')) re += '(Z|[+-]\\d{2}(?::?\\d{2})?)';
    else if (tok === '2006') re += '(\\d{4})';
    else if (tok === '_2') re += ' ?(\\d{1,2})';
    else if (tok.length === 1) re += '(\\d{1,2})';
    else re += `(\\d{${tok.length}})`;
  }
  const m = new RegExp(`^${re}$`).exec(value);
  if (!m) throw new TimeError(`parsing time "${value}" as "${layout}": cannot parse`);
  let year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, off = 0, pm: boolean | undefined;
  fields.forEach((f, k) => {
    const v = m[k + 1];
    if (v === undefined) return;
    switch (f) {
      case '2006': year = +v; break;
      case '06': year = 2000 + +v - (+v >= 69 ? 100 : 0); break;
      case 'January': case 'Jan': month = MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.toLowerCase())) + 1; break;
      case '01': case '1': month = +v; break;
      case '02': case '2': case '_2': day = +v; break;
      case '15': case '03': case '3': hour = +v; break;
      case '04': case '4': minute = +v; break;
      case '05': case '5': second = +v; break;
      case 'frac': nanos = Number((v + '000000000').slice(0, 9)); break;
      case 'PM': case 'pm': pm = v.toLowerCase() === 'pm'; break;
      default:
        if (f.includes('07') && v !== 'Z') {
          const s = v[0] === '-' ? -1 : 1;
          const digits = v.slice(1).replace(':', '');
          off = s * (+digits.slice(0, 2) * 60 + +(digits.slice(2) || '0'));
        }
    }
  });
  if (pm !== undefined) hour = (hour % 12) + (pm ? 12 : 0);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - off * 60000;
  return ms * NS_PER_MS + nanos;
}

/** [years, months, days, hours, minutes, seconds] between two instants (order-insensitive). */
export function diff(ns1: number | bigint, ns2: number | bigint, tz1 = 'UTC', tz2 = 'UTC'): number[] {
  let a = civil(ns1, tz1), b = civil(ns2, tz2);
  if (ns1 < ns2) [a, b] = [b, a];
  let y = a.year - b.year, mo = a.month - b.month, d = a.day - b.day;
  let h = a.hour - b.hour, mi = a.minute - b.minute, s = a.second - b.second;
  if (s < 0) { s += 60; mi--; }
  if (mi < 0) { mi += 60; h--; }
  if (h < 0) { h += 24; d--; }
  if (d < 0) { d += new Date(Date.UTC(a.year, a.month - 1, 0)).getUTCDate(); mo--; }
  if (mo < 0) { mo += 12; y--; }
  return [y, mo, d, h, mi, s];
}
