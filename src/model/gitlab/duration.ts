/**
 * Durations as GitLab reads them (`artifacts:expire_in`, `timeout`, `start_in`): GitLab's
 * DurationParser hands the text to its ChronicDuration copy with exceptions raised, so a word that is
 * neither a number, a unit nor a joining word makes the value invalid, and so does a total of zero.
 * Written from the behaviour described in the gem's README and GitLab's duration specs.
 */
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86400,
  weeks: 604800,
  months: 2592000,
  years: 31536000,
};

const UNIT_WORDS: Readonly<Record<string, keyof typeof UNIT_SECONDS>> = {
  s: 'seconds', sec: 'seconds', secs: 'seconds', second: 'seconds', seconds: 'seconds',
  m: 'minutes', min: 'minutes', mins: 'minutes', minute: 'minutes', minutes: 'minutes',
  h: 'hours', hr: 'hours', hrs: 'hours', hour: 'hours', hours: 'hours',
  d: 'days', dy: 'days', day: 'days', days: 'days',
  w: 'weeks', week: 'weeks', weeks: 'weeks',
  mo: 'months', mos: 'months', month: 'months', months: 'months',
  y: 'years', yr: 'years', yrs: 'years', year: 'years', years: 'years',
};

const JOIN_WORDS = new Set(['and', 'with', 'plus']);

/** Number words the gem's numerizer turns into digits before parsing. */
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
  hundred: 100, a: 1, an: 1,
};

/** Colon forms (`1:30`, `2:00:00`) read from the right: seconds, minutes, hours, days, months, years. */
const CLOCK_UNITS = ['seconds', 'minutes', 'hours', 'days', 'months', 'years'] as const;

export type DurationReading = { ok: true; seconds: number } | { ok: false; reason: string };

export function parseGitlabDuration(text: string): DurationReading {
  const lower = text.toLowerCase().trim();
  const compact = lower.replace(/\s+/g, '');
  if (/^\d*\.?\d+(?::\d*\.?\d+)+$/.test(compact)) {
    const parts = compact.split(':').reverse();
    if (parts.length > CLOCK_UNITS.length) return { ok: false, reason: 'has more colon-separated parts than GitLab reads' };
    const seconds = parts.reduce((sum, part, i) => sum + Number(part) * UNIT_SECONDS[CLOCK_UNITS[i]!]!, 0);
    return seconds > 0 ? { ok: true, seconds } : { ok: false, reason: 'is zero' };
  }
  // Numbers are split from the words around them: `3days` reads as `3 days`.
  const words = lower.replace(/\d*\.?\d+/g, (n) => ` ${n} `).split(/\s+/).filter((w) => w.length > 0);
  const tokens: (number | string)[] = [];
  for (const raw of words) {
    const word = raw.replace(/^,+|,+$/g, '');
    if (word === '') continue;
    if (/^\d*\.?\d+$/.test(word)) tokens.push(Number(word));
    else if (word in NUMBER_WORDS) tokens.push(NUMBER_WORDS[word]!);
    else if (word in UNIT_WORDS) tokens.push(UNIT_WORDS[word]!);
    else if (!JOIN_WORDS.has(word)) return { ok: false, reason: `has the word '${raw}', which is not a number or a unit (s, min, h, day, week, month, year...)` };
  }
  // A leading unit counts one of it (`day` is one day).
  if (typeof tokens[0] === 'string') tokens.unshift(1);
  let seconds = 0;
  tokens.forEach((token, i) => {
    if (typeof token !== 'number') return;
    const next = tokens[i + 1];
    const unit = next === undefined ? 'seconds' : typeof next === 'string' ? next : undefined;
    seconds += unit ? token * UNIT_SECONDS[unit]! : 0;
  });
  return seconds > 0 ? { ok: true, seconds } : { ok: false, reason: 'amounts to zero' };
}

export const SECONDS_PER_WEEK = UNIT_SECONDS.weeks!;
export const SECONDS_PER_MONTH = UNIT_SECONDS.months!;
