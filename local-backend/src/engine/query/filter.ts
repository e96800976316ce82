/**
 * Evaluates `.filter()` expressions (the JSON convex/server serializes: `$eq`, `$and`,
 * `$field`, `$literal`, ...) against a stored document. Comparisons use the Convex value
 * order across types.
 */
import type { JSONValue } from "../api.js";
import { fieldValue } from "../store/document.js";
import {
  compareValues,
  float64FromJson,
  float64ToJson,
  int64FromJson,
  int64ToJson,
  isUndefinedMarker,
  kindOf,
  type JSONObject,
} from "../values.js";

export type Expression = { [op: string]: JSONValue };

type Value = JSONValue | undefined;

function binary(expr: Expression, op: string): [Expression, Expression] {
  return expr[op] as unknown as [Expression, Expression];
}

function arithmetic(op: string, a: Value, b: Value): Value {
  const ka = a === undefined ? "undefined" : kindOf(a);
  const kb = b === undefined ? "undefined" : kindOf(b);
  if (ka === "int64" && kb === "int64") {
    const x = int64FromJson(a as never);
    const y = int64FromJson(b as never);
    if ((op === "$div" || op === "$mod") && y === 0n) throw new Error("Division by zero in filter expression");
    const result = op === "$add" ? x + y : op === "$sub" ? x - y : op === "$mul" ? x * y : op === "$div" ? x / y : x % y;
    if (BigInt.asIntN(64, result) !== result) throw new Error(`Cannot ${op.slice(1)} ${x} and ${y}: the result is out of range for Int64`);
    return int64ToJson(result);
  }
  if (ka === "float64" && kb === "float64") {
    const x = float64FromJson(a!);
    const y = float64FromJson(b!);
    const result = op === "$add" ? x + y : op === "$sub" ? x - y : op === "$mul" ? x * y : op === "$div" ? x / y : x % y;
    return float64ToJson(result);
  }
  throw new Error(`Cannot apply ${op.slice(1)} to ${ka} and ${kb} in a filter expression`);
}

function negate(value: Value): Value {
  const kind = value === undefined ? "undefined" : kindOf(value);
  if (kind === "int64") {
    const x = int64FromJson(value as never);
    if (x === -(2n ** 63n)) throw new Error(`Cannot negate ${x}: the result is out of range for Int64`);
    return int64ToJson(-x);
  }
  if (kind === "float64") return float64ToJson(-float64FromJson(value!));
  throw new Error(`Cannot negate ${kind} in a filter expression`);
}

const COMPARISONS: Record<string, (c: number) => boolean> = {
  $eq: (c) => c === 0,
  $neq: (c) => c !== 0,
  $lt: (c) => c < 0,
  $lte: (c) => c <= 0,
  $gt: (c) => c > 0,
  $gte: (c) => c >= 0,
};

export function evaluate(expr: Expression, doc: JSONObject): Value {
  const op = Object.keys(expr)[0]!;
  if (op === "$literal") return isUndefinedMarker(expr.$literal) ? undefined : expr.$literal;
  if (op === "$field") return fieldValue(doc, expr.$field as string);
  const comparison = COMPARISONS[op];
  if (comparison) {
    const [l, r] = binary(expr, op);
    return comparison(compareValues(evaluate(l, doc), evaluate(r, doc)));
  }
  switch (op) {
    case "$and":
      return (expr.$and as unknown as Expression[]).every((e) => evaluate(e, doc) === true);
    case "$or":
      return (expr.$or as unknown as Expression[]).some((e) => evaluate(e, doc) === true);
    case "$not":
      return evaluate(expr.$not as unknown as Expression, doc) !== true;
    case "$neg":
      return negate(evaluate(expr.$neg as unknown as Expression, doc));
    case "$add":
    case "$sub":
    case "$mul":
    case "$div":
    case "$mod": {
      const [l, r] = binary(expr, op);
      return arithmetic(op, evaluate(l, doc), evaluate(r, doc));
    }
  }
  throw new Error(`Unknown filter operator ${op}`);
}

export function matches(expr: Expression, doc: JSONObject): boolean {
  return evaluate(expr, doc) === true;
}
