/**
 * Next run times for `crons.export()` schedules (all UTC): intervals, hourly/daily/weekly/
 * monthly, and 5-field cron expressions (`minute hour day-of-month month day-of-week`, with
 * `*`, lists, ranges, steps and names; 0 or 7 is Sunday; if both day fields are
 * restricted, either may match, as in standard cron).
 */
export type CronSchedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MINUTE_MS = 60_000;

type Field = { min: number; max: number; names?: string[]; nameOffset?: number };
const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, nameOffset: 1 },
  { min: 0, max: 7, names: DAY_NAMES, nameOffset: 0 },
];

type CronSpec = { minutes: Set<number>; hours: Set<number>; days: Set<number>; months: Set<number>; weekdays: Set<number>; anyDay: boolean; anyWeekday: boolean };

function parseValue(text: string, field: Field): number {
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = index >= 0 ? index + field.nameOffset! : Number(text);
  if (!Number.isInteger(value) || value < field.min || value > field.max) throw new Error(`Invalid cron value "${text}"`);
  return value;
}

function parseField(text: string, field: Field): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [rangeText, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`Invalid cron step "${part}"`);
    let [lo, hi] = [field.min, field.max];
    if (rangeText !== "*") {
      const [a, b] = rangeText!.split("-");
      lo = parseValue(a!, field);
      hi = b === undefined ? (stepText === undefined ? lo : field.max) : parseValue(b, field);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): CronSpec {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`Invalid cron expression "${expression}": expected 5 fields`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]!));
  if (weekdays!.has(7)) weekdays!.add(0);
  return { minutes: minutes!, hours: hours!, days: days!, months: months!, weekdays: weekdays!, anyDay: parts[2] === "*", anyWeekday: parts[4] === "*" };
}

function dayMatches(spec: CronSpec, date: Date): boolean {
  const dayOk = spec.days.has(date.getUTCDate());
  const weekdayOk = spec.weekdays.has(date.getUTCDay());
  if (spec.anyDay && spec.anyWeekday) return true;
  if (spec.anyDay) return weekdayOk;
  if (spec.anyWeekday) return dayOk;
  return dayOk || weekdayOk;
}

/** First minute strictly after `afterMs` matching the expression (searched up to ~5 years). */
function nextCronMatch(spec: CronSpec, afterMs: number): number {
  let t = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limit = t + 5 * 366 * 24 * 60 * MINUTE_MS;
  while (t < limit) {
    const date = new Date(t);
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
    if (!spec.months.has(month + 1)) t = Date.UTC(year, month + 1, 1);
    else if (!dayMatches(spec, date)) t = Date.UTC(year, month, day + 1);
    else if (!spec.hours.has(date.getUTCHours())) t = Date.UTC(year, month, day, date.getUTCHours() + 1);
    else if (spec.minutes.has(date.getUTCMinutes())) return t;
    else t += MINUTE_MS;
  }
  throw new Error("Cron expression never matches");
}

function cronFor(schedule: Exclude<CronSchedule, { type: "interval" | "cron" }>): string {
  const minute = schedule.minuteUTC ?? 0;
  switch (schedule.type) {
    case "hourly":
      return `${minute} * * * *`;
    case "daily":
      return `${minute} ${schedule.hourUTC} * * *`;
    case "weekly":
      return `${minute} ${schedule.hourUTC} * * ${DAYS.indexOf(schedule.dayOfWeek)}`;
    case "monthly":
      return `${minute} ${schedule.hourUTC} ${schedule.day} * *`;
  }
}

function intervalMs(schedule: Extract<CronSchedule, { type: "interval" }>): number {
  return ((schedule.seconds ?? 0) + (schedule.minutes ?? 0) * 60 + (schedule.hours ?? 0) * 3600) * 1000;
}

/** The next run strictly after `afterMs`. */
export function nextRun(schedule: CronSchedule, afterMs: number): number {
  if (schedule.type === "interval") return afterMs + intervalMs(schedule);
  const expression = schedule.type === "cron" ? schedule.cron : cronFor(schedule);
  return nextCronMatch(parseCron(expression), afterMs);
}
