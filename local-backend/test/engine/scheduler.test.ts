/** ctx.scheduler (runAfter, runAt, cancel, actions), re-arming after a restart, and crons. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JSONValue } from "../../src/engine/index.js";
import { startEngine, tempDir, waitFor, type TestEngine } from "./helpers.js";

type Job = { _id: string; name: string; args: JSONValue[]; scheduledTime: number; completedTime?: number; state: { kind: string; error?: string } };

let t: TestEngine;
beforeAll(async () => (t = await startEngine()));
afterAll(async () => await t.dispose());

const job = async (engine: TestEngine, id: string) => (await engine.value("scheduling:job", { id })) as Job;
const events = async (engine: TestEngine, source: string) => (await engine.value("scheduling:events", { source })) as string[];

describe("scheduler", () => {
  test("runAfter runs the mutation once and marks the job success", async () => {
    const id = (await t.value("scheduling:later", { delayMs: 100, message: "hello" })) as string;
    const pending = await job(t, id);
    expect(pending).toMatchObject({ name: "scheduling.js:record", args: [{ source: "scheduled", message: "hello" }], state: { kind: "pending" } });
    const done = await waitFor(() => job(t, id), (j) => j.state.kind === "success");
    expect(done.state.kind).toBe("success");
    expect(done.completedTime).toBeGreaterThanOrEqual(pending.scheduledTime);
    expect((await events(t, "scheduled")).filter((m) => m === "hello")).toHaveLength(1);
  });

  test("runAt in the past runs right away", async () => {
    const id = (await t.value("scheduling:at", { timestamp: Date.now() - 1000, message: "past" })) as string;
    expect((await waitFor(() => job(t, id), (j) => j.state.kind === "success")).state.kind).toBe("success");
  });

  test("cancel before it runs: the job is canceled and never runs", async () => {
    const id = (await t.value("scheduling:later", { delayMs: 300, message: "never" })) as string;
    await t.value("scheduling:cancel", { id });
    expect((await job(t, id)).state.kind).toBe("canceled");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await job(t, id)).state.kind).toBe("canceled");
    expect(await events(t, "scheduled")).not.toContain("never");
  });

  test("a failing job is marked failed with its error", async () => {
    const id = (await t.value("scheduling:laterFailing")) as string;
    const failed = await waitFor(() => job(t, id), (j) => j.state.kind === "failed");
    expect(failed.state).toEqual({ kind: "failed", error: expect.stringContaining("Uncaught Error: scheduled failure") });
  });

  test("scheduled actions run and can call mutations", async () => {
    const id = (await t.value("scheduling:laterAction", { delayMs: 0, message: "from action" })) as string;
    expect((await waitFor(() => job(t, id), (j) => j.state.kind === "success")).state.kind).toBe("success");
    expect(await events(t, "action")).toContain("from action");
  });

  test("scheduled commits reach onCommit listeners like any other", async () => {
    const seen: bigint[] = [];
    const stop = t.engine.onCommit((commit) => seen.push(commit.ts));
    const id = (await t.value("scheduling:later", { delayMs: 50, message: "notified" })) as string;
    const after = t.engine.latestTs();
    await waitFor(() => job(t, id), (j) => j.state.kind === "success");
    stop();
    expect(seen.filter((ts) => ts > after).length).toBeGreaterThanOrEqual(1);
  });

  test("jobs are readable through db.system", async () => {
    const jobs = (await t.value("scheduling:jobs")) as Job[];
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    expect(jobs.every((j) => typeof j._id === "string" && j._id.length === 31)).toBe(true);
  });
});

describe("restart", () => {
  test("pending jobs are re-armed after a restart and run once", async () => {
    const dataDir = await tempDir();
    const first = await startEngine({ dataDir });
    const id = (await first.value("scheduling:later", { delayMs: 1500, message: "survives" })) as string;
    await first.close();
    const second = await startEngine({ dataDir });
    expect((await job(second, id)).state.kind).toBe("pending");
    const done = await waitFor(() => job(second, id), (j) => j.state.kind === "success", 10_000);
    expect(done.state.kind).toBe("success");
    expect(await events(second, "scheduled")).toEqual(["survives"]);
    await second.dispose();
  });
});

describe("crons", () => {
  test("a restart keeps each cron's schedule instead of running it again at once", async () => {
    const dataDir = await tempDir();
    const first = await startEngine({ dataDir });
    const before = await waitFor(() => events(first, "cron"), (list) => list.length >= 1, 10_000);
    await first.close();
    const second = await startEngine({ dataDir });
    const right = (await events(second, "cron")).length;
    expect(right).toBe(before.length);
    const later = await waitFor(() => events(second, "cron"), (list) => list.length > right, 10_000);
    expect(later.length).toBe(right + 1);
    await second.dispose();
  });

  test("crons.ts interval jobs fire without identity", async () => {
    const ticks = await waitFor(() => events(t, "cron"), (list) => list.length >= 2, 10_000);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks)).toEqual(new Set(["tick"]));
  });
});
