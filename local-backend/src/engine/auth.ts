/** Auth providers from `auth.config.ts` (`export default { providers: [...] }`). */
import type { AuthProvider, JSONValue } from "./api.js";

type ProviderJson = {
  type?: string;
  domain?: string;
  applicationID?: string;
  issuer?: string;
  jwks?: string;
  algorithm?: string;
};

function provider(json: ProviderJson): AuthProvider {
  if (json.type === "customJwt") {
    if (!json.issuer || !json.jwks || (json.algorithm !== "RS256" && json.algorithm !== "ES256")) {
      throw new Error(`auth.config.ts: a customJwt provider needs issuer, jwks and algorithm RS256 or ES256: ${JSON.stringify(json)}`);
    }
    return {
      kind: "customJwt",
      issuer: json.issuer,
      jwks: json.jwks,
      algorithm: json.algorithm,
      ...(json.applicationID === undefined ? {} : { applicationID: json.applicationID }),
    };
  }
  if (!json.domain || !json.applicationID) {
    throw new Error(`auth.config.ts: an OIDC provider needs domain and applicationID: ${JSON.stringify(json)}`);
  }
  return { kind: "oidc", domain: json.domain, applicationID: json.applicationID };
}

export function parseAuthConfig(config: JSONValue | null): AuthProvider[] {
  if (config === null) return [];
  const providers = (config as { providers?: ProviderJson[] }).providers ?? [];
  return providers.map(provider);
}
