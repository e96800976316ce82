/**
 * The local development issuer `https://dev.doctrina.local`: an ES256 key pair kept
 * in DATA/dev_issuer_key.json (0600, a private JWK) that signs tokens minted by
 * `POST /_doctrina/dev_token`. The server trusts it next to the providers of
 * auth.config.ts, so tests and `doctrina dev` can sign users in without Clerk.
 */
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import type { JWK, JWTVerifyGetKey } from "jose";
import { join } from "node:path";
import { loadOrCreateSecret } from "./secretFile.js";

export const DEV_ISSUER = "https://dev.doctrina.local";
export const DEV_AUDIENCE = "convex";
const ALGORITHM = "ES256";

/** Claims the issuer sets itself; a caller may not override them. */
const RESERVED_CLAIMS = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti"]);

export type DevTokenRequest = {
  subject: string;
  claims: Record<string, unknown>;
  expiresInSeconds: number;
};

export class DevIssuer {
  readonly issuer = DEV_ISSUER;
  readonly audience = DEV_AUDIENCE;
  readonly algorithm = ALGORITHM;
  readonly keySet: JWTVerifyGetKey;

  private constructor(
    private readonly privateJwk: JWK,
    readonly file: string,
  ) {
    const { d: _secret, ...publicJwk } = privateJwk;
    this.keySet = createLocalJWKSet({ keys: [publicJwk] });
  }

  static async loadOrCreate(dataDir: string): Promise<DevIssuer> {
    const file = join(dataDir, "dev_issuer_key.json");
    const text = await loadOrCreateSecret(file, async () => JSON.stringify(await newPrivateJwk()));
    return new DevIssuer(JSON.parse(text) as JWK, file);
  }

  async mint(request: DevTokenRequest): Promise<string> {
    const reserved = Object.keys(request.claims).filter((claim) => RESERVED_CLAIMS.has(claim));
    if (reserved.length > 0) throw new Error(`claims may not set ${reserved.join(", ")}`);
    const key = await importJWK(this.privateJwk, ALGORITHM);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(request.claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.privateJwk.kid, typ: "JWT" })
      .setIssuer(DEV_ISSUER)
      .setSubject(request.subject)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + request.expiresInSeconds)
      .sign(key);
  }
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: "sig" };
}
