/** Convex's import summary table: `table | create | delete |`, a rule, one aligned row per table. */
import type { ImportTableChange } from "../../../engine/api.js";

const count = (n: number): string => n.toLocaleString("en-US");

export function renderTableChanges(changes: ImportTableChange[]): string[] {
  const rows = [["table", "create", "delete"], ...changes.map((c) => [c.table, count(c.added), `${count(c.deleted)} of ${count(c.existing)}`])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`);
  lines.splice(1, 0, "-".repeat(widths[0]! + 3 + widths[1]! + 3 + widths[2]! + 2));
  return lines;
}
