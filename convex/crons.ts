/**
 * Recurring maintenance (the seed's "regular maintenance tasks"). Every job
 * handles one batch per run and reschedules itself while more rows remain, so
 * none exceeds Convex's per-transaction limits however much has piled up.
 * Times are UTC, spread out so the daily jobs do not overlap.
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.daily("archive old notifications", { hourUTC: 3, minuteUTC: 0 }, internal.notifications.archiveOld, {});
crons.hourly("expire stale checkouts", { minuteUTC: 5 }, internal.purchases.expireStale, {});
crons.daily("expire certificates", { hourUTC: 3, minuteUTC: 20 }, internal.certificates.expireDue, {});
crons.daily("licence watch", { hourUTC: 4, minuteUTC: 0 }, internal.instructorApplications.notifyExpiring, {});
crons.daily("idempotency keys cleanup", { hourUTC: 3, minuteUTC: 40 }, internal.idempotencyKeys.cleanup, {});
crons.daily("prune old events", { hourUTC: 4, minuteUTC: 0 }, internal.events.prune, {});

export default crons;
