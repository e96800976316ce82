/**
 * Auth providers from `auth.config.ts` (`export default { providers: [...] }`), validated as
 * Convex validates the evaluated config (crates/isolate/src/environment/auth_config.rs and
 * crates/common/src/auth.rs): first its checks for common confusions, then the serde shape
 * (whose texts are serde_json's, with the position stripped, which leaves a trailing space),
 * then each provider's URL. Convex allows unknown properties.
 */
import type { AuthProvider, JSONValue } from "./api.js";
import { InvalidProviderUrl, issuerUrl } from "./issuerUrl.js";

/** Why an evaluated auth config was refused: the text Convex puts after its explanation. */
export class InvalidAuthConfig extends Error {}

type Json = { [key: string]: JSONValue };

function notMatchingSchema(detail: string): InvalidAuthConfig {
  return new InvalidAuthConfig(`auth config file must include a list of provider credentials: ${detail}`);
}

function isObject(value: JSONValue | undefined): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** serde's `invalid type` name for a JSON value. */
function serdeType(value: JSONValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  if (typeof value === "object") return "map";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
}

function confusion(provider: Json, index: number): InvalidAuthConfig | null {
  const type = typeof provider.type === "string" ? provider.type : "unknown";
  const at = `Provider at index ${index}`;
  if ("applicationId" in provider || "applicationid" in provider) {
    return notMatchingSchema(`${at} must have applicationID property spelled lowercase 'application', capital I, capital D.`);
  }
  if (type !== "customJwt" && type !== "oidc" && type !== "unknown") return notMatchingSchema(`${at} has unexpected 'type' value '${type}'`);
  if (type === "customJwt" && "domain" in provider) return notMatchingSchema(`${at} is a customJwt so cannot have a 'domain' specified`);
  if (type !== "customJwt" && "issuer" in provider) return notMatchingSchema(`${at} is oidc so cannot have an 'issuer' specified.`);
  const workos = provider.issuer === "https://api.workos.com/" || provider.issuer === "https://api.workos.com";
  if (!("applicationID" in provider) && workos) {
    return new InvalidAuthConfig(
      `This auth configuration appears potentially insecure: ${at} has an issuer that is shared among many applications, so must to specify an ApplicationID to check against an \`aud\` field of a JWT.`,
    );
  }
  return null;
}

function checkConfusions(config: JSONValue): void {
  if (!isObject(config) || !Array.isArray(config.providers)) return;
  config.providers.forEach((provider, index) => {
    const refusal = isObject(provider) ? confusion(provider, index) : null;
    if (refusal !== null) throw refusal;
  });
}

/** `SerializedAuthInfo`: tagged `customJwt`, else the untagged OIDC shape; unparsed URLs. */
function serializedProvider(json: JSONValue): AuthProvider {
  if (isObject(json)) {
    const { type, issuer, jwks, algorithm, applicationID, domain } = json;
    const optionalId = applicationID === undefined || applicationID === null || typeof applicationID === "string";
    if (type === "customJwt" && typeof issuer === "string" && typeof jwks === "string" && (algorithm === "RS256" || algorithm === "ES256") && optionalId) {
      return { kind: "customJwt", issuer, jwks, algorithm, ...(typeof applicationID === "string" ? { applicationID } : {}) };
    }
    if (typeof applicationID === "string" && typeof domain === "string") return { kind: "oidc", domain, applicationID };
  }
  throw notMatchingSchema("data did not match any variant of untagged enum SerializedAuthInfo ");
}

/** `SerializedAuthConfig { providers }`, which serde also reads from a one-element array. */
function serializedProviders(config: JSONValue): AuthProvider[] {
  let providers: JSONValue | undefined;
  if (isObject(config)) {
    if (!("providers" in config)) throw notMatchingSchema("missing field `providers` ");
    providers = config.providers;
  } else if (Array.isArray(config)) {
    if (config.length === 0) throw notMatchingSchema("invalid length 0, expected struct SerializedAuthConfig with 1 element ");
    providers = config[0];
  } else {
    throw notMatchingSchema(`invalid type: ${serdeType(config)}, expected struct SerializedAuthConfig `);
  }
  if (!Array.isArray(providers)) throw notMatchingSchema(`invalid type: ${serdeType(providers!)}, expected a sequence `);
  const parsed = providers.map(serializedProvider);
  if (Array.isArray(config) && config.length > 1) throw notMatchingSchema("trailing characters ");
  return parsed;
}

function withUrl(provider: AuthProvider): AuthProvider {
  try {
    return provider.kind === "oidc" ? { ...provider, domain: issuerUrl(provider.domain) } : { ...provider, issuer: issuerUrl(provider.issuer) };
  } catch (error) {
    if (error instanceof InvalidProviderUrl) throw new InvalidAuthConfig(error.message);
    throw error;
  }
}

/** The providers of an evaluated auth config; none without `auth.config.ts`. Throws `InvalidAuthConfig`. */
export function parseAuthConfig(config: JSONValue | null): AuthProvider[] {
  if (config === null) return [];
  checkConfusions(config);
  return serializedProviders(config).map(withUrl);
}
