/** Verifies `Bearer` JWTs: signature, issuer, audience, expiry (5 s leeway, as Convex). */
import { decodeJwt, errors as joseErrors, jwtVerify } from "jose";
import type { AuthProvider, UserIdentity } from "../../engine/api.js";
import { unauthenticated } from "../errors.js";
import type { DevIssuer } from "./devIssuer.js";
import { identityFromClaims } from "./identity.js";
import { normalizeIssuer, trustedIssuer, type TrustedIssuer } from "./providers.js";

const CLOCK_TOLERANCE_SECONDS = 5;

export type VerifiedToken = { identity: UserIdentity; expiresAtMs: number };

export class TokenVerifier {
  private readonly devIssuer: TrustedIssuer;
  private cache: { key: string; issuers: TrustedIssuer[] } | undefined;

  constructor(
    dev: DevIssuer,
    /** Read on every verification: the engine may reload auth.config.ts. */
    private readonly providers: () => AuthProvider[],
  ) {
    this.devIssuer = {
      // It stands in for Clerk, so its claims map like an OIDC provider's (given_name -> givenName).
      kind: "oidc",
      issuer: dev.issuer,
      applicationID: dev.audience,
      algorithms: [dev.algorithm],
      singleAudience: false,
      keys: async () => dev.keySet,
    };
  }

  async verify(token: string): Promise<VerifiedToken> {
    const claims = decodeUnverified(token);
    const issuer = this.issuerFor(claims);
    const keys = await issuer.keys().catch((error: unknown) => {
      throw unauthenticated("Unauthenticated", `Could not fetch the signing keys of ${issuer.issuer}: ${message(error)}`);
    });
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: issuer.algorithms,
        audience: issuer.applicationID,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["iss", "sub", "exp"],
      });
      return { identity: identityFromClaims(payload, issuer.kind), expiresAtMs: Number(payload.exp) * 1000 };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated("IdTokenExpired", "The token has expired");
      throw unauthenticated("Unauthenticated", `Could not verify the token: ${message(error)}`);
    }
  }

  /** The first trusted issuer matching `iss` whose application ID is in `aud`. */
  private issuerFor(claims: Record<string, unknown>): TrustedIssuer {
    const iss = normalizeIssuer(String(claims.iss));
    const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    const match = this.trustedIssuers().find(
      (candidate) =>
        candidate.issuer === iss &&
        (candidate.applicationID === undefined || audiences.includes(candidate.applicationID)) &&
        !(candidate.singleAudience && audiences.length > 1),
    );
    if (match === undefined) throw unauthenticated("NoAuthProvider", "No auth provider found matching the given token");
    return match;
  }

  private trustedIssuers(): TrustedIssuer[] {
    const providers = this.providers();
    const key = JSON.stringify(providers);
    if (this.cache?.key !== key) {
      // auth.config.ts naming the development issuer (the local deployment env points
      // CLERK_JWT_ISSUER_DOMAIN at it) verifies through that provider (its audience, its claim
      // mapping) with the local keys and their algorithm (ES256; Clerk's own tokens are RS256);
      // projects whose auth config does not name it still trust it last.
      const dev = this.devIssuer;
      const issuers = providers
        .flatMap(usableIssuer)
        .map((issuer) => (issuer.issuer === dev.issuer ? { ...issuer, keys: dev.keys, algorithms: dev.algorithms } : issuer));
      this.cache = { key, issuers: [...issuers, this.devIssuer] };
    }
    return this.cache.issuers;
  }
}

function decodeUnverified(token: string): Record<string, unknown> {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    throw unauthenticated("InvalidAuthHeader", "Could not parse the token as a JWT");
  }
  if (typeof claims.iss !== "string") throw unauthenticated("InvalidAuthHeader", "The token has no `iss` claim");
  return claims;
}

/** A malformed provider (bad URL, bad data: URI) is skipped, not fatal to every token. */
function usableIssuer(provider: AuthProvider): TrustedIssuer[] {
  try {
    return [trustedIssuer(provider)];
  } catch (error) {
    console.error(`Ignoring auth provider ${JSON.stringify(provider)}: ${message(error)}`);
    return [];
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
