/**
 * A provider's `domain` (or customJwt `issuer`) as Convex accepts it (crates/common/src/auth.rs
 * `deserialize_issuer_url`): `https://` is added when there is no scheme, the result must parse
 * as an http(s) URL, and a scheme-less value must end with a top-level domain.
 */
const SCHEME = /^\w+:\/\//;

/** Why a provider's URL was refused; Convex's `InvalidProviderDomainUrl` text. */
export class InvalidProviderUrl extends Error {}

function refuse(original: string, reason: string): never {
  throw new InvalidProviderUrl(`Invalid provider domain URL "${original}": ${reason}`);
}

/** The reason Rust's `url` crate gives for a URL WHATWG parsing refuses (Node's URL gives none). */
function parseFailure(url: string): string {
  const authority = (url.split("://")[1] ?? "").split(/[/?#]/)[0]!;
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  if (hostPort === "") return "empty host";
  if (hostPort.startsWith("[")) return "invalid IPv6 address";
  const port = /:([^:\]]*)$/.exec(hostPort)?.[1];
  if (port !== undefined && (!/^\d*$/.test(port) || Number(port) > 65535)) return "invalid port number";
  return "invalid domain character";
}

/**
 * Convex checks the last label against the IANA list (the `tld` crate); this backend ships no
 * such list and accepts any alphabetic label of two letters or more (or an IDN `xn--` label).
 */
function endsWithTld(host: string): boolean {
  if (host === "localhost") return true;
  const dot = host.lastIndexOf(".");
  return dot !== -1 && /^([a-z]{2,}|xn--[a-z0-9-]+)$/.test(host.slice(dot + 1));
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The URL Convex stores for `original`: with `https://` added when it had no scheme. */
export function issuerUrl(original: string): string {
  if (original.startsWith('"')) refuse(original, 'starts with a double quote (")');
  const hadScheme = SCHEME.test(original);
  const url = hadScheme ? original : `https://${original}`;
  const parsed = parseUrl(url) ?? refuse(original, parseFailure(url));
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") refuse(original, "scheme should be http or https");
  if (!hadScheme && !endsWithTld(parsed.hostname)) {
    refuse(original, "Does not look like a URL (must have a scheme or end with a top-level domain)");
  }
  return url;
}
