/**
 * Compiles the query JSON convex/server sends (`source` + `operators`) into a plan: an
 * index and a key range (eq prefix, then at most one lower and one upper bound on the next
 * field), or a search-index query.
 */
import type { JSONValue } from "../api.js";
import type { IndexDef, SearchIndexDef, TableSchema } from "../schema.js";
import { MAX_QUERY_TERMS, type SearchQuery } from "../store/search.js";
import { tokenize } from "../store/searchTerms.js";
import { FULL_RANGE, type KeyRange } from "../store/table.js";
import { displayValue, encodeKey, isUndefinedMarker, KEY_MAX } from "../values.js";
import type { Expression } from "./filter.js";

export type Operator = { filter: Expression } | { limit: number };
export type Order = "asc" | "desc";

export type IndexPlan = {
  type: "index";
  table: string;
  index: string;
  range: KeyRange;
  order: Order;
  operators: Operator[];
};

export type SearchPlan = {
  type: "search";
  table: string;
  def: SearchIndexDef;
  query: SearchQuery;
  operators: Operator[];
};

export type Plan = IndexPlan | SearchPlan;

type RangeExpression = { type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte"; fieldPath: string; value: JSONValue };
type Source =
  | { type: "FullTableScan"; tableName: string; order: Order | null }
  | { type: "IndexRange"; indexName: string; range: RangeExpression[]; order: Order | null }
  | { type: "Search"; indexName: string; filters: { type: "Search" | "Eq"; fieldPath: string; value: JSONValue }[] };

export type QueryJson = { source: Source; operators: Operator[] };

function rangeValue(value: JSONValue): JSONValue | undefined {
  return isUndefinedMarker(value) ? undefined : value;
}

function displayRangeValue(value: JSONValue): string {
  return isUndefinedMarker(value) ? "undefined" : displayValue(value);
}

/** Key range for `q.eq(...)...eq(...).gt(...).lt(...)` on `index`. */
export function indexRange(tableName: string, index: IndexDef, expressions: RangeExpression[]): KeyRange {
  const name = `${tableName}.${index.name}`;
  const fields = index.fields;
  const queryFields = `[${expressions.map((e) => e.fieldPath).join(", ")}]`;
  let prefix = "";
  let position = 0;
  let lower: RangeExpression | null = null;
  let upper: RangeExpression | null = null;
  for (const expr of expressions) {
    if (!fields.includes(expr.fieldPath)) {
      throw new Error(
        `The index range included a comparison with ${JSON.stringify(expr.fieldPath)}, but ${name} with fields [${fields.join(", ")}] doesn't index this field. For more information see https://docs.convex.dev/using/indexes.`,
      );
    }
    const boundField = lower?.fieldPath ?? upper?.fieldPath;
    if (expr.type === "Eq" && boundField === undefined && fields[position] === expr.fieldPath) {
      prefix += encodeKey(rangeValue(expr.value));
      position++;
      continue;
    }
    if (expr.type !== "Eq" && (boundField ?? fields[position]) === expr.fieldPath && fields[position] === expr.fieldPath) {
      const isLower = expr.type === "Gt" || expr.type === "Gte";
      const existing = isLower ? lower : upper;
      if (existing) {
        throw new Error(
          `Already defined ${isLower ? "lower" : "upper"} bound in index range. Can't add ${JSON.stringify(expr.fieldPath)} ${expr.type.toLowerCase()} ${displayRangeValue(expr.value)}.`,
        );
      }
      if (isLower) lower = expr;
      else upper = expr;
      continue;
    }
    throw new Error(
      `Tried to query index ${name} but the query didn't use the index fields in order.\nIndex fields: [${fields.join(", ")}]\nQuery fields: ${queryFields}\nFirst incorrect field: ${expr.fieldPath}\nFor more information see https://docs.convex.dev/using/indexes.`,
    );
  }
  const lo = lower === null ? prefix : prefix + encodeKey(rangeValue(lower.value)) + (lower.type === "Gt" ? KEY_MAX : "");
  const hi =
    upper === null ? prefix + KEY_MAX : prefix + encodeKey(rangeValue(upper.value)) + (upper.type === "Lte" ? KEY_MAX : "");
  return { lo, hi };
}

function searchPlan(schema: TableSchema, indexName: string, source: Extract<Source, { type: "Search" }>, operators: Operator[]): SearchPlan {
  const def = schema.searchIndexes.find((i) => i.name === indexName);
  if (!def) throw new Error(`Index ${schema.name}.${indexName} not found.`);
  const search = source.filters.find((f) => f.type === "Search");
  if (!search) {
    throw new Error(
      `Search query against ${schema.name}.${indexName} does not contain any search filters. You must include a search filter like \`q.search("field", searchText)\`.`,
    );
  }
  if (search.fieldPath !== def.searchField) {
    throw new Error(`Search field ${search.fieldPath} is not the search field of ${schema.name}.${indexName} (${def.searchField}).`);
  }
  const filters = source.filters
    .filter((f) => f.type === "Eq")
    .map((f) => {
      if (!def.filterFields.includes(f.fieldPath)) {
        throw new Error(`Filter field ${f.fieldPath} is not a filter field of ${schema.name}.${indexName}.`);
      }
      return { field: f.fieldPath, value: rangeValue(f.value) };
    });
  const terms = tokenize(String(search.value)).slice(0, MAX_QUERY_TERMS);
  return { type: "search", table: schema.name, def, query: { terms, filters }, operators };
}

export function compile(query: QueryJson, tableSchema: (name: string) => TableSchema): Plan {
  const source = query.source;
  if (source.type === "FullTableScan") {
    return {
      type: "index",
      table: source.tableName,
      index: "by_creation_time",
      range: FULL_RANGE,
      order: source.order ?? "asc",
      operators: query.operators,
    };
  }
  const dot = source.indexName.indexOf(".");
  const tableName = source.indexName.slice(0, dot);
  const indexName = source.indexName.slice(dot + 1);
  const schema = tableSchema(tableName);
  if (source.type === "Search") return searchPlan(schema, indexName, source, query.operators);
  const index = schema.indexes.find((i) => i.name === indexName);
  if (!index) throw new Error(`Index ${source.indexName} not found.`);
  return {
    type: "index",
    table: tableName,
    index: indexName,
    range: indexRange(tableName, index, source.range),
    order: source.order ?? "asc",
    operators: query.operators,
  };
}
