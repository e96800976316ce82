import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthProvider } from "../../src/engine/api.js";
import { AdminKey } from "../../src/server/auth/adminKey.js";
import { Authenticator } from "../../src/server/auth/authenticator.js";
import { DevIssuer } from "../../src/server/auth/devIssuer.js";
import { identityFromClaims } from "../../src/server/auth/identity.js";
import { TokenVerifier } from "../../src/server/auth/tokens.js";

let dataDir: string;
let adminKey: AdminKey;
let dev: DevIssuer;
let providers: AuthProvider[] = [];
let auth: Authenticator;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "doctrina-auth-test-"));
  adminKey = await AdminKey.loadOrCreate(dataDir);
  dev = await DevIssuer.loadOrCreate(dataDir);
  auth = new Authenticator(adminKey, new TokenVerifier(dev, () => providers));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function sign(key: CryptoKey, claims: Record<string, unknown>, options: { alg?: string; kid?: string; expSeconds?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "ES256", kid: options.kid })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expSeconds ?? 600))
    .sign(key);
}

describe("secrets in the data directory", () => {
  it("creates the admin key and dev issuer key with mode 0600 and reuses them", async () => {
    expect((await stat(adminKey.file)).mode & 0o777).toBe(0o600);
    expect((await stat(dev.file)).mode & 0o777).toBe(0o600);
    const again = await AdminKey.loadOrCreate(dataDir);
    expect(again.value).toBe(adminKey.value);
    expect((await readFile(adminKey.file, "utf8")).trim()).toBe(adminKey.value);
    expect(adminKey.value).toMatch(/^doctrina-local\|[0-9a-f]{64}$/);
  });

  it("compares admin keys exactly, accepting a deployment-type prefix", () => {
    expect(adminKey.matches(adminKey.value)).toBe(true);
    expect(adminKey.matches(`dev:${adminKey.value}`)).toBe(true);
    expect(adminKey.matches(adminKey.value.slice(0, -1))).toBe(false);
    expect(adminKey.matches("")).toBe(false);
  });
});

describe("Authorization header", () => {
  it("is anonymous without a header", async () => {
    expect((await auth.fromHeader(undefined)).caller).toEqual({ identity: null, admin: false });
  });

  it("accepts the admin key, alone or acting as a user", async () => {
    expect((await auth.fromHeader(`Convex ${adminKey.value}`)).caller).toEqual({ identity: null, admin: true });
    const attributes = Buffer.from(JSON.stringify({ issuer: "https://service.doctrina.invalid", subject: "service" })).toString("base64");
    const { caller } = await auth.fromHeader(`convex ${adminKey.value}:${attributes}`);
    expect(caller.admin).toBe(true);
    expect(caller.identity).toMatchObject({
      subject: "service",
      issuer: "https://service.doctrina.invalid",
      tokenIdentifier: "https://service.doctrina.invalid|service",
    });
  });

  it("refuses a wrong admin key with 401 even when it carries an identity", async () => {
    await expect(auth.fromHeader("Convex wrong")).rejects.toMatchObject({ status: 401, code: "BadAdminKey" });
    await expect(auth.fromHeader("Convex wrong:e30=")).rejects.toMatchObject({ status: 401 });
  });

  it("refuses malformed headers with 400", async () => {
    await expect(auth.fromHeader("abc")).rejects.toMatchObject({ status: 400 });
    await expect(auth.fromHeader("Basic dXNlcjpwYXNz")).rejects.toMatchObject({ status: 400 });
    await expect(auth.fromHeader(`Convex ${adminKey.value}:!!notjson`)).rejects.toMatchObject({ status: 400 });
  });
});

describe("development tokens", () => {
  it("verifies a minted token and maps its claims", async () => {
    const claims = { email: "a@b.c", given_name: "Ada", email_verified: true, org: { id: 7 } };
    const token = await dev.mint({ subject: "user_1", claims, expiresInSeconds: 60 });
    const { caller, expiresAtMs } = await auth.fromHeader(`Bearer ${token}`);
    expect(caller.admin).toBe(false);
    expect(caller.identity).toEqual({
      tokenIdentifier: "https://dev.doctrina.local|user_1",
      subject: "user_1",
      issuer: "https://dev.doctrina.local",
      email: "a@b.c",
      givenName: "Ada",
      emailVerified: true,
      org: { id: 7 },
    });
    expect(expiresAtMs).toBeGreaterThan(Date.now());
  });

  it("refuses reserved claims", async () => {
    await expect(dev.mint({ subject: "u", claims: { exp: 1 }, expiresInSeconds: 60 })).rejects.toThrow(/exp/);
  });

  it("refuses a token signed by another key, an expired one and an unsigned one", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await sign(privateKey, { iss: dev.issuer, aud: "convex", sub: "u" });
    await expect(auth.fromHeader(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401, code: "Unauthenticated" });

    const devJwk = JSON.parse(await readFile(dev.file, "utf8")) as JWK;
    const { importJWK } = await import("jose");
    const devKey = (await importJWK(devJwk, "ES256")) as CryptoKey;
    const expired = await sign(devKey, { iss: dev.issuer, aud: "convex", sub: "u" }, { kid: devJwk.kid, expSeconds: -60 });
    await expect(auth.fromHeader(`Bearer ${expired}`)).rejects.toMatchObject({ status: 401, code: "IdTokenExpired" });
    const withinLeeway = await sign(devKey, { iss: dev.issuer, aud: "convex", sub: "u" }, { kid: devJwk.kid, expSeconds: -2 });
    await expect(auth.fromHeader(`Bearer ${withinLeeway}`)).resolves.toBeDefined();

    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: dev.issuer, aud: "convex", sub: "u", exp: 9999999999 })}.`;
    await expect(auth.fromHeader(`Bearer ${unsigned}`)).rejects.toMatchObject({ status: 401 });
    await expect(auth.fromHeader("Bearer not.a.jwt")).rejects.toMatchObject({ status: 401, code: "InvalidAuthHeader" });
  });

  it("refuses a wrong audience or an unknown issuer with NoAuthProvider", async () => {
    const devJwk = JSON.parse(await readFile(dev.file, "utf8")) as JWK;
    const { importJWK } = await import("jose");
    const devKey = (await importJWK(devJwk, "ES256")) as CryptoKey;
    const wrongAudience = await sign(devKey, { iss: dev.issuer, aud: "other", sub: "u" }, { kid: devJwk.kid });
    await expect(auth.fromHeader(`Bearer ${wrongAudience}`)).rejects.toMatchObject({ status: 401, code: "NoAuthProvider" });
    const otherIssuer = await sign(devKey, { iss: "https://evil.example", aud: "convex", sub: "u" }, { kid: devJwk.kid });
    await expect(auth.fromHeader(`Bearer ${otherIssuer}`)).rejects.toMatchObject({ code: "NoAuthProvider" });
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("auth.config.ts providers", () => {
  let issuerServer: Server;
  let issuerUrl: string;
  let rsaKey: CryptoKey;
  let rsaJwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    rsaKey = pair.privateKey;
    rsaJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256" };
    issuerServer = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/.well-known/openid-configuration") {
        res.end(JSON.stringify({ issuer: issuerUrl, jwks_uri: `${issuerUrl}/jwks.json` }));
      } else if (req.url === "/jwks.json") {
        res.end(JSON.stringify({ keys: [rsaJwk] }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
    await new Promise<void>((resolve) => issuerServer.listen(0, "127.0.0.1", resolve));
    issuerUrl = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    providers = [];
    await new Promise((resolve) => issuerServer.close(resolve));
  });

  it("verifies an OIDC provider through discovery on a loopback issuer", async () => {
    providers = [{ kind: "oidc", domain: `${issuerUrl}/`, applicationID: "convex" }];
    const token = await sign(rsaKey, { iss: issuerUrl, aud: "convex", sub: "clerk_1", given_name: "Ada", email_verified: true }, { alg: "RS256", kid: "k1" });
    const { caller } = await auth.fromHeader(`Bearer ${token}`);
    expect(caller.identity).toEqual({
      tokenIdentifier: `${issuerUrl}|clerk_1`,
      subject: "clerk_1",
      issuer: issuerUrl,
      givenName: "Ada",
      emailVerified: true,
    });
    const twoAudiences = await sign(rsaKey, { iss: issuerUrl, aud: ["convex", "x"], sub: "c" }, { alg: "RS256", kid: "k1" });
    await expect(auth.fromHeader(`Bearer ${twoAudiences}`)).rejects.toMatchObject({ status: 401 });
  });

  it("verifies a customJwt provider with a data: URI key set and enforces its algorithm", async () => {
    const jwks = `data:text/plain;charset=utf-8;base64,${Buffer.from(JSON.stringify({ keys: [rsaJwk] })).toString("base64")}`;
    providers = [{ kind: "customJwt", issuer: "https://custom.example", jwks, algorithm: "RS256", applicationID: "app" }];
    const token = await sign(rsaKey, { iss: "https://custom.example", aud: "app", sub: "s1", given_name: "Bo" }, { alg: "RS256", kid: "k1" });
    const { caller } = await auth.fromHeader(`Bearer ${token}`);
    expect(caller.identity).toMatchObject({ subject: "s1", given_name: "Bo" });
    providers = [{ kind: "customJwt", issuer: "https://custom.example", jwks, algorithm: "ES256", applicationID: "app" }];
    await expect(auth.fromHeader(`Bearer ${token}`)).rejects.toMatchObject({ status: 401 });
  });

  it("skips a provider with a malformed key URL", async () => {
    providers = [{ kind: "customJwt", issuer: "https://bad.example", jwks: "not a url", algorithm: "RS256" }];
    const token = await sign(rsaKey, { iss: "https://bad.example", sub: "s" }, { alg: "RS256", kid: "k1" });
    await expect(auth.fromHeader(`Bearer ${token}`)).rejects.toMatchObject({ code: "NoAuthProvider" });
  });
});

describe("identity mapping", () => {
  it("maps OIDC standard claims and drops token bookkeeping", () => {
    const identity = identityFromClaims(
      { iss: "https://i", sub: "s", aud: "a", exp: 1, iat: 1, jti: "j", nbf: 1, updated_at: 0, address: { formatted: "Street 1" }, locale: "de", custom: "x" },
      "oidc",
    );
    expect(identity).toEqual({
      tokenIdentifier: "https://i|s",
      subject: "s",
      issuer: "https://i",
      updatedAt: "1970-01-01T00:00:00.000Z",
      address: "Street 1",
      language: "de",
      custom: "x",
    });
  });
});
