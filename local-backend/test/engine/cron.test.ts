/** Cron schedules: next run times in UTC. */
import { describe, expect, test } from "vitest";
import { nextRun, parseCron } from "../../src/engine/cron.js";

const at = (iso: string) => Date.parse(iso);

describe("next run", () => {
  test("intervals", () => {
    expect(nextRun({ type: "interval", seconds: 30 }, 1000)).toBe(31_000);
    expect(nextRun({ type: "interval", hours: 2 }, 0)).toBe(7_200_000);
  });

  test("hourly, daily, weekly, monthly", () => {
    const from = at("2025-03-10T10:20:00Z");
    expect(new Date(nextRun({ type: "hourly", minuteUTC: 15 }, from)).toISOString()).toBe("2025-03-10T11:15:00.000Z");
    expect(new Date(nextRun({ type: "daily", hourUTC: 9, minuteUTC: 30 }, from)).toISOString()).toBe("2025-03-11T09:30:00.000Z");
    expect(new Date(nextRun({ type: "weekly", dayOfWeek: "friday", hourUTC: 8 }, from)).toISOString()).toBe("2025-03-14T08:00:00.000Z");
    expect(new Date(nextRun({ type: "monthly", day: 1, hourUTC: 0 }, from)).toISOString()).toBe("2025-04-01T00:00:00.000Z");
  });

  test("cron expressions: steps, ranges, lists, names, day-of-week/day-of-month union", () => {
    const from = at("2025-03-10T10:20:00Z");
    const next = (expr: string) => new Date(nextRun({ type: "cron", cron: expr }, from)).toISOString();
    expect(next("*/15 * * * *")).toBe("2025-03-10T10:30:00.000Z");
    expect(next("0 9-17/4 * * mon-fri")).toBe("2025-03-10T13:00:00.000Z");
    expect(next("5 0 1,15 * *")).toBe("2025-03-15T00:05:00.000Z");
    expect(next("0 0 * feb *")).toBe("2026-02-01T00:00:00.000Z");
    expect(next("0 12 13 * 5")).toBe("2025-03-13T12:00:00.000Z");
    expect(next("0 0 * * 7")).toBe("2025-03-16T00:00:00.000Z");
  });

  test("invalid expressions are rejected", () => {
    expect(() => parseCron("* * * *")).toThrow(/5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/Invalid cron value/);
  });
});
