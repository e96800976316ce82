/**
 * Token issuers this deployment trusts. Clerk is configured only when
 * CLERK_JWT_ISSUER_DOMAIN is set (e.g. https://verb-noun-00.clerk.accounts.dev),
 * so the file deploys unchanged to a Convex deployment without Clerk. The local
 * backend additionally trusts its own development issuer; that one is added by
 * the server, never here, so it cannot reach a real deployment.
 */
import type { AuthConfig } from "convex/server";

const clerkIssuerDomain = process.env.CLERK_JWT_ISSUER_DOMAIN;

export default {
  providers: clerkIssuerDomain
    ? [
        {
          domain: clerkIssuerDomain,
          // The name of the Clerk JWT template; Clerk puts it in the token's `aud`.
          applicationID: "convex",
        },
      ]
    : [],
} satisfies AuthConfig;
