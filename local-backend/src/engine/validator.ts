/**
 * Checks convex-encoded values against validator JSON (`v.*().json`, as exported by
 * `exportArgs()`, `exportReturns()` and `schema.export()`), with the backend's error texts.
 */
import type { JSONValue } from "./api.js";
import { decodeId } from "./ids.js";
import { compareUtf8, displayValue, float64FromJson, kindOf, valuesEqual, type JSONObject } from "./values.js";

export type ValidatorJson =
  | { type: "id"; tableName: string }
  | { type: "null" | "number" | "bigint" | "boolean" | "string" | "bytes" | "any" | "commitTs" }
  | { type: "literal"; value: JSONValue }
  | { type: "array"; value: ValidatorJson }
  | { type: "record"; keys: ValidatorJson; values: { fieldType: ValidatorJson } }
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> }
  | { type: "union"; value: ValidatorJson[] };

/** Resolves a table number to its name (user and system tables). */
export type TableNames = (tableNumber: number) => string | undefined;

function displayLiteral(value: JSONValue): string {
  const kind = kindOf(value);
  if (kind === "int64") return "<bigint>";
  if (kind === "float64") {
    const n = float64FromJson(value);
    return Number.isFinite(n) ? (Number.isInteger(n) ? `${n}.0` : String(n)) : "<number>";
  }
  return JSON.stringify(value);
}

export function displayValidator(validator: ValidatorJson): string {
  switch (validator.type) {
    case "id":
      return `v.id(${JSON.stringify(validator.tableName)})`;
    case "number":
      return "v.float64()";
    case "bigint":
      return "v.int64()";
    case "literal":
      return `v.literal(${displayLiteral(validator.value)})`;
    case "array":
      return `v.array(${displayValidator(validator.value)})`;
    case "record":
      return `v.record(${displayValidator(validator.keys)}, ${displayValidator(validator.values.fieldType)})`;
    case "union":
      return `v.union(${validator.value.map(displayValidator).join(", ")})`;
    case "object": {
      const fields = Object.keys(validator.value)
        .sort(compareUtf8)
        .map((name) => {
          const field = validator.value[name]!;
          const inner = displayValidator(field.fieldType);
          return `${name}: ${field.optional ? `v.optional(${inner})` : inner}`;
        });
      return `v.object({${fields.join(", ")}})`;
    }
    default:
      return `v.${validator.type}()`;
  }
}

class ValidationFailure {
  readonly reversedPath: string[] = [];
  constructor(readonly render: (context: string) => string) {}
  message(): string {
    const path = this.reversedPath.length === 0 ? "" : `Path: ${[...this.reversedPath].reverse().join("")}`;
    return this.render(path);
  }
}

function noMatch(value: JSONValue, validator: ValidatorJson): ValidationFailure {
  return new ValidationFailure(
    (context) => `Value does not match validator.\n${context}\nValue: ${displayValue(value)}\nValidator: ${displayValidator(validator)}`,
  );
}

function within(failure: ValidationFailure | null, segment: string): ValidationFailure | null {
  failure?.reversedPath.push(segment);
  return failure;
}

function checkId(value: JSONValue, validator: { tableName: string }, tables: TableNames): ValidationFailure | null {
  const decoded = typeof value === "string" ? decodeId(value) : null;
  const found = decoded === null ? undefined : tables(decoded.tableNumber);
  if (found === undefined) return noMatch(value, { type: "id", tableName: validator.tableName });
  if (found === validator.tableName) return null;
  const text = found.startsWith("_")
    ? `Found ID "${String(value)}" from a system table, which does not match the table name in validator \`v.id("${validator.tableName}")\`.`
    : `Found ID "${String(value)}" from table \`${found}\`, which does not match the table name in validator \`v.id("${validator.tableName}")\`.`;
  return new ValidationFailure((context) => text + context);
}

function checkObject(
  value: JSONObject,
  validator: Extract<ValidatorJson, { type: "object" }>,
  tables: TableNames,
): ValidationFailure | null {
  const names = Object.keys(validator.value).sort(compareUtf8);
  for (const name of names) {
    const field = validator.value[name]!;
    const item = value[name];
    if (item !== undefined) {
      const failure = within(check(item, field.fieldType, tables), `.${name}`);
      if (failure) return failure;
    } else if (!field.optional) {
      return new ValidationFailure(
        (context) =>
          `Object is missing the required field \`${name}\`. Consider wrapping the field validator in \`v.optional(...)\` if this is expected.\n${context}\nObject: ${displayValue(value)}\nValidator: ${displayValidator(validator)}`,
      );
    }
  }
  for (const name of Object.keys(value).sort(compareUtf8)) {
    if (!(name in validator.value)) {
      return new ValidationFailure(
        (context) =>
          `Object contains extra field \`${name}\` that is not in the validator.\n${context}\nObject: ${displayValue(value)}\nValidator: ${displayValidator(validator)}`,
      );
    }
  }
  return null;
}

function checkRecord(
  value: JSONObject,
  validator: Extract<ValidatorJson, { type: "record" }>,
  tables: TableNames,
): ValidationFailure | null {
  for (const [key, item] of Object.entries(value)) {
    const keyFailure = within(check(key, validator.keys, tables), ".keys()");
    if (keyFailure) return keyFailure;
    const valueFailure = within(check(item, validator.values.fieldType, tables), ".values()");
    if (valueFailure) return valueFailure;
  }
  return null;
}

const SIMPLE_KINDS: Record<string, string> = {
  null: "null",
  number: "float64",
  bigint: "int64",
  commitTs: "int64",
  boolean: "boolean",
  string: "string",
  bytes: "bytes",
};

function check(value: JSONValue, validator: ValidatorJson, tables: TableNames): ValidationFailure | null {
  const kind = kindOf(value);
  switch (validator.type) {
    case "any":
      return null;
    case "id":
      return checkId(value, validator, tables);
    case "literal":
      if (valuesEqual(value, validator.value)) return null;
      return new ValidationFailure(
        (context) =>
          `\`${displayValue(value)}\` does not match literal validator \`v.literal(${displayLiteral(validator.value)})\`.${context}`,
      );
    case "array":
      if (!Array.isArray(value)) return noMatch(value, validator);
      for (let i = 0; i < value.length; i++) {
        const failure = within(check(value[i]!, validator.value, tables), `[${i}]`);
        if (failure) return failure;
      }
      return null;
    case "object":
      return kind === "object" ? checkObject(value as JSONObject, validator, tables) : noMatch(value, validator);
    case "record":
      return kind === "object" ? checkRecord(value as JSONObject, validator, tables) : noMatch(value, validator);
    case "union":
      if (validator.value.length === 1) return check(value, validator.value[0]!, tables);
      return validator.value.some((member) => check(value, member, tables) === null) ? null : noMatch(value, validator);
    default:
      return SIMPLE_KINDS[validator.type] === kind ? null : noMatch(value, validator);
  }
}

/** `null` when `value` matches, else the backend's message (without prefix). */
export function validateValue(value: JSONValue, validator: ValidatorJson, tables: TableNames): string | null {
  return check(value, validator, tables)?.message() ?? null;
}

/** Checks function arguments against `exportArgs()` JSON; returns the `ArgumentValidationError` message. */
export function validateArgs(args: JSONValue, validator: ValidatorJson | null, tables: TableNames): string | null {
  if (validator === null || validator.type === "any") return null;
  if (kindOf(args) !== "object") {
    return `ArgumentValidationError: Expected to receive an object as the function's argument. Instead received: ${displayValue(args)}`;
  }
  const failure = validateValue(args, validator, tables);
  return failure === null ? null : `ArgumentValidationError: ${failure}`;
}

/** Checks a return value against `exportReturns()` JSON. */
export function validateReturns(value: JSONValue, validator: ValidatorJson | null, tables: TableNames): string | null {
  if (validator === null) return null;
  const failure = validateValue(value, validator, tables);
  return failure === null ? null : `ReturnsValidationError: ${failure}`;
}
