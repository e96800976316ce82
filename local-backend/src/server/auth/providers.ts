/**
 * Token issuers the server trusts: the providers of auth.config.ts (through the
 * engine) plus the local development issuer. Keys are fetched lazily and cached.
 */
import { createLocalJWKSet, createRemoteJWKSet } from "jose";
import type { JSONWebKeySet, JWTVerifyGetKey } from "jose";
import type { AuthProvider } from "../../engine/api.js";
import type { ProviderKind } from "./identity.js";

export type TrustedIssuer = {
  kind: ProviderKind;
  /** Normalized (see normalizeIssuer). */
  issuer: string;
  applicationID?: string;
  algorithms: string[];
  /** OIDC verifiers accept exactly one audience. */
  singleAudience: boolean;
  keys(): Promise<JWTVerifyGetKey>;
};

/** `https://` is implied and a trailing slash is ignored, on both sides. */
export function normalizeIssuer(issuer: string): string {
  const withScheme = /^https?:\/\//.test(issuer) ? issuer : `https://${issuer}`;
  return withScheme.replace(/\/+$/, "");
}

const DISCOVERY_TTL_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 5_000;

export function trustedIssuer(provider: AuthProvider): TrustedIssuer {
  if (provider.kind === "customJwt") {
    const keys = keySetFor(provider.jwks);
    return {
      kind: "customJwt",
      issuer: normalizeIssuer(provider.issuer),
      applicationID: provider.applicationID,
      algorithms: [provider.algorithm],
      singleAudience: false,
      keys: async () => keys,
    };
  }
  const issuer = normalizeIssuer(provider.domain);
  return {
    kind: "oidc",
    issuer,
    applicationID: provider.applicationID,
    // Convex accepts RS256 and EdDSA for OIDC providers, not ES256.
    algorithms: ["RS256", "EdDSA"],
    singleAudience: true,
    keys: cachedDiscovery(issuer),
  };
}

/** A JWKS URL, or a `data:` URI holding the key set itself. */
function keySetFor(jwks: string): JWTVerifyGetKey {
  if (!jwks.startsWith("data:")) return createRemoteJWKSet(new URL(jwks), { timeoutDuration: FETCH_TIMEOUT_MS });
  const comma = jwks.indexOf(",");
  const meta = jwks.slice(5, comma);
  const payload = jwks.slice(comma + 1);
  const text = meta.endsWith(";base64")
    ? Buffer.from(payload, "base64").toString("utf8")
    : decodeURIComponent(payload);
  return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
}

/** OpenID discovery (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`), cached. */
function cachedDiscovery(issuer: string): () => Promise<JWTVerifyGetKey> {
  let cached: { keys: JWTVerifyGetKey; until: number } | undefined;
  return async () => {
    if (cached !== undefined && cached.until > Date.now()) return cached.keys;
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`OpenID discovery for ${issuer} failed: HTTP ${response.status}`);
    const config = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof config.issuer !== "string" || normalizeIssuer(config.issuer) !== issuer) {
      throw new Error(`OpenID discovery for ${issuer} names another issuer`);
    }
    if (typeof config.jwks_uri !== "string") throw new Error(`OpenID discovery for ${issuer} has no jwks_uri`);
    const keys = createRemoteJWKSet(new URL(config.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS });
    cached = { keys, until: Date.now() + DISCOVERY_TTL_MS };
    return keys;
  };
}
