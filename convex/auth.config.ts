/**
 * Token issuers this deployment trusts: Clerk, whose issuer domain the deployment must
 * set before the first push (`npx convex env set CLERK_JWT_ISSUER_DOMAIN
 * https://<instance>.clerk.accounts.dev`). Convex refuses to push an auth config that
 * reads an unset variable (AuthConfigMissingEnvironmentVariable), so a deployment without
 * it fails loudly instead of silently accepting no tokens. The local backend sets it to
 * its development issuer (https://dev.doctrina.local) unless its env.json says otherwise.
 */
import type { AuthConfig } from "convex/server";

export default {
  providers: [
    {
      domain: process.env.CLERK_JWT_ISSUER_DOMAIN!,
      // The name of the Clerk JWT template; Clerk puts it in the token's `aud`.
      applicationID: "convex",
    },
  ],
} satisfies AuthConfig;
