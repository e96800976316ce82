/**
 * What `ctx.auth.getUserIdentity()` returns, built from verified JWT claims or
 * from the identity an admin-key holder acts as (convex-protocol.md §6.3).
 */
import type { JSONValue, UserIdentity } from "../../engine/api.js";

/** OIDC standard claims and the UserIdentity field each becomes. */
const OIDC_FIELDS: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  website: "website",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
};

/**
 * Claims about the token rather than the user. Dropping them keeps the identity
 * stable across token refreshes (Convex drops jti/nbf/fva for the same reason).
 */
const TOKEN_CLAIMS = new Set([
  "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "fva",
  "azp", "nonce", "auth_time", "acr", "amr", "at_hash", "c_hash",
]);

export type ProviderKind = "oidc" | "customJwt";

export function identityFromClaims(claims: Record<string, unknown>, kind: ProviderKind): UserIdentity {
  const issuer = String(claims.iss);
  const subject = String(claims.sub);
  const identity: UserIdentity = { tokenIdentifier: `${issuer}|${subject}`, subject, issuer };
  for (const [claim, value] of Object.entries(claims)) {
    if (TOKEN_CLAIMS.has(claim) || value === undefined) continue;
    if (kind === "oidc") addOidcClaim(identity, claim, value);
    else addFlattened(identity, claim, value);
  }
  return identity;
}

function addOidcClaim(identity: UserIdentity, claim: string, value: unknown): void {
  if (claim === "address") {
    const formatted = typeof value === "object" && value !== null ? (value as { formatted?: unknown }).formatted : value;
    if (typeof formatted === "string") identity.address = formatted;
  } else if (claim === "updated_at") {
    identity.updatedAt = typeof value === "number" ? new Date(value * 1000).toISOString() : String(value);
  } else {
    setClaim(identity, OIDC_FIELDS[claim] ?? claim, value);
  }
}

/** Custom JWT providers: nested objects become dotted names (`properties.id`). */
function addFlattened(identity: UserIdentity, name: string, value: unknown): void {
  if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) addFlattened(identity, `${name}.${key}`, inner);
  } else {
    setClaim(identity, name, value);
  }
}

function setClaim(identity: UserIdentity, name: string, value: unknown): void {
  const json = toConvexJson(value);
  // `$` names are not valid Convex object keys; the built-in fields are not overridable.
  if (json === undefined || name.startsWith("$") || name in RESERVED_FIELDS) return;
  identity[name] = json;
}

const RESERVED_FIELDS = { tokenIdentifier: true, subject: true, issuer: true };

/** Claim values as Convex values: drops what Convex could not store (e.g. `$` keys). */
function toConvexJson(value: unknown): JSONValue | undefined {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) return value.map((item) => toConvexJson(item) ?? null);
  if (isPlainObject(value)) {
    const out: { [key: string]: JSONValue } = {};
    for (const [key, inner] of Object.entries(value)) {
      const json = toConvexJson(inner);
      if (json !== undefined && !key.startsWith("$")) out[key] = json;
    }
    return out;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `Convex <key>:<base64 JSON>` and the sync `acting_as`/`impersonating` field:
 * UserIdentity attributes given directly. Needs `tokenIdentifier` or both
 * `issuer` and `subject`; returns an error message when neither is there.
 */
export function identityFromAttributes(raw: unknown): UserIdentity | string {
  if (!isPlainObject(raw)) return "the acting-as identity must be a JSON object";
  const { tokenIdentifier, issuer, subject } = raw;
  const hasPair = typeof issuer === "string" && typeof subject === "string";
  if (typeof tokenIdentifier !== "string" && !hasPair) {
    return "the acting-as identity needs `tokenIdentifier` or both `issuer` and `subject`";
  }
  const [tokenIssuer, tokenSubject] = splitTokenIdentifier(tokenIdentifier);
  const identity: UserIdentity = {
    tokenIdentifier: typeof tokenIdentifier === "string" ? tokenIdentifier : `${issuer}|${subject}`,
    issuer: typeof issuer === "string" ? issuer : tokenIssuer,
    subject: typeof subject === "string" ? subject : tokenSubject,
  };
  for (const [name, value] of Object.entries(raw)) setClaim(identity, name, value);
  return identity;
}

function splitTokenIdentifier(tokenIdentifier: unknown): [string, string] {
  if (typeof tokenIdentifier !== "string") return ["", ""];
  const bar = tokenIdentifier.lastIndexOf("|");
  return bar < 0 ? ["", tokenIdentifier] : [tokenIdentifier.slice(0, bar), tokenIdentifier.slice(bar + 1)];
}

/** Decodes the base64 JSON of an admin acting-as header. */
export function decodeAttributes(encoded: string): UserIdentity | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  } catch {
    return "the acting-as identity is not base64-encoded JSON";
  }
  return identityFromAttributes(parsed);
}
