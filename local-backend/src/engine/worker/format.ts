/**
 * Formats `console.*` arguments the way Convex's function runtime does (object-inspect with
 * `indent: 2`): strings single-quoted, objects one field per line, arrays on one line
 * unless an element spans lines, `[Object]` below depth 5.
 */
const MAX_DEPTH = 5;
const MAX_STRING = 32768;
const INDENT = "  ";

function quote(s: string): string {
  const body = s
    .replace(/(['\\])/g, "\\$1")
    .replace(/[\x00-\x1f]/g, (c) => {
      const short: Record<string, string> = { "\b": "b", "\t": "t", "\n": "n", "\f": "f", "\r": "r" };
      const code = c.charCodeAt(0);
      return short[c] ? `\\${short[c]}` : `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
    });
  return `'${body}'`;
}

function inspectString(s: string): string {
  if (s.length <= MAX_STRING) return quote(s);
  const rest = s.length - MAX_STRING;
  return `${quote(s.slice(0, MAX_STRING))}... ${rest} more character${rest > 1 ? "s" : ""}`;
}

function indentedJoin(parts: string[], depth: number): string {
  const outer = INDENT.repeat(depth);
  const line = `\n${outer}${INDENT}`;
  return `${line}${parts.join(`,${line}`)}\n${outer}`;
}

function keyText(key: string, depth: number, seen: unknown[]): string {
  return /[^\w$]/.test(key) ? inspect(key, depth, seen) : key;
}

function inspectObject(value: object, depth: number, seen: unknown[]): string {
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  if (seen.includes(value)) return "[Circular]";
  const inner = [...seen, value];
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const parts = value.map((item) => inspect(item, depth + 1, inner));
    return parts.some((p) => p.includes("\n")) ? `[${indentedJoin(parts, depth)}]` : `[ ${parts.join(", ")} ]`;
  }
  if (value instanceof Error) {
    const parts = Object.keys(value).map((k) => `${keyText(k, depth + 1, inner)}: ${inspect((value as never)[k], depth + 1, inner)}`);
    return parts.length === 0 ? `[${String(value)}]` : `{ [${String(value)}] ${parts.join(", ")} }`;
  }
  if (value instanceof Date) return String(value);
  if (value instanceof Map || value instanceof Set) {
    const entries =
      value instanceof Map
        ? [...value].map(([k, v]) => `${inspect(k, depth + 1, inner)} => ${inspect(v, depth + 1, inner)}`)
        : [...value].map((v) => inspect(v, depth + 1, inner));
    const body = entries.length === 0 ? "" : indentedJoin(entries, depth);
    return `${value instanceof Map ? "Map" : "Set"} (${value.size}) {${body}}`;
  }
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const tag = proto === null ? "[Object: null prototype] " : proto === Object.prototype ? "" : `${proto.constructor?.name ?? ""} `;
  const parts = Object.keys(value).map(
    (k) => `${keyText(k, depth + 1, inner)}: ${inspect((value as Record<string, unknown>)[k], depth + 1, inner)}`,
  );
  if (parts.length === 0) return `${tag}{}`;
  return `${tag}{${indentedJoin(parts, depth)}}`;
}

export function inspect(value: unknown, depth = 0, seen: unknown[] = []): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    case "string":
      return inspectString(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return `[Function${value.name ? `: ${value.name}` : " (anonymous)"}]`;
  }
  if (value === null) return "null";
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
  return inspectObject(value as object, depth, seen);
}

/** One log line: `[LEVEL] arg1 arg2 ...`. */
export function formatLogLine(level: string, args: unknown[]): string {
  return `[${level}] ${args.map((arg) => inspect(arg)).join(" ")}`;
}
