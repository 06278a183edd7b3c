/**
 * Time-zone arithmetic for digests (pure, Intl-based): local dates, the instant of a local `HH:MM` on a
 * local date (DST-aware, matching croner: a time skipped by spring-forward runs one hour later, an
 * ambiguous fall-back time runs at its first occurrence), and the cron pattern for `HH:MM`.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock parts of `date` in `timeZone`. */
export function localParts(date: Date, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(date)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out['year'] ?? 0,
    month: out['month'] ?? 0,
    day: out['day'] ?? 0,
    hour: (out['hour'] ?? 0) % 24,
    minute: out['minute'] ?? 0,
    second: out['second'] ?? 0,
  };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function localDateOf(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** UTC offset of `timeZone` at `date`, in ms (local = utc + offset). */
export function offsetMs(date: Date, timeZone: string): number {
  const p = localParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/** Parses `HH:MM` (already validated) into hour and minute. */
export function parseHhmm(time: string): { hour: number; minute: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!m) throw new Error(`papertalk: not a HH:MM time: ${time}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** Croner pattern (seconds field included) firing daily at `HH:MM:00`. */
export function cronPattern(time: string): string {
  const { hour, minute } = parseHhmm(time);
  return `0 ${minute} ${hour} * * *`;
}

/**
 * The instant at which local wall time `time` occurs on `localDate` in `timeZone`.
 * Skipped (spring-forward) times map to the same wall time in the offset before the change
 * (02:30 → 03:30 EDT); repeated (fall-back) times map to the first occurrence.
 */
export function scheduledInstant(localDate: string, time: string, timeZone: string): Date {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  if (!dm) throw new Error(`papertalk: not a YYYY-MM-DD date: ${localDate}`);
  const { hour, minute } = parseHhmm(time);
  const wall = Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3]), hour, minute, 0);
  const DAY = 86_400_000;
  const offBefore = offsetMs(new Date(wall - DAY), timeZone);
  const offAfter = offsetMs(new Date(wall + DAY), timeZone);
  const candidates = [...new Set([offBefore, offAfter, offsetMs(new Date(wall), timeZone)])]
    .map((off) => wall - off)
    .filter((t) => {
      const p = localParts(new Date(t), timeZone);
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) === wall;
    })
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return new Date(first);
  // In a gap: use the offset in force before the transition (wall time shifted forward by the gap).
  return new Date(wall - offBefore);
}

/** Formats a local date as `Mon 24 Nov 2025`. */
export function formatLocalDate(localDate: string): string {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  if (!dm) return localDate;
  const d = new Date(Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3])));
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]} ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** Start of the minute containing `date`. */
export function floorToMinute(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}
