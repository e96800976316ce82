/**
 * Turns credentials into a Caller: the `Authorization` header of HTTP requests
 * and the `Authenticate` message of the sync protocol (convex-protocol.md §1.4, §2.2).
 */
import type { Caller } from "../../engine/api.js";
import { badRequest, HttpError, unauthenticated } from "../errors.js";
import type { AdminKey } from "./adminKey.js";
import { decodeAttributes, identityFromAttributes } from "./identity.js";
import type { TokenVerifier } from "./tokens.js";

export const ANONYMOUS: Caller = { identity: null, admin: false };

/** A caller and, for JWT identities, when the token stops being valid. */
export type Authenticated = { caller: Caller; expiresAtMs?: number };

export class Authenticator {
  constructor(
    private readonly adminKey: AdminKey,
    private readonly tokens: TokenVerifier,
  ) {}

  /** No header means anonymous (or `?adminKey=`, the Convex fallback). */
  async fromHeader(header: string | undefined, adminKeyParam?: string): Promise<Authenticated> {
    if (header === undefined) {
      return adminKeyParam === undefined ? { caller: ANONYMOUS } : { caller: this.admin(adminKeyParam) };
    }
    if (header.length < 7) throw badRequest("InvalidHeaderFailure", "The Authorization header is too short");
    const scheme = header.slice(0, 7).toLowerCase();
    const credential = header.slice(7).trim();
    if (scheme === "bearer ") return this.user(credential);
    if (scheme === "convex ") return { caller: this.adminWithIdentity(credential) };
    throw badRequest("InvalidAdminKey", "The Authorization header must start with `Bearer ` or `Convex `");
  }

  /** `tokenType` User / Admin (+ `acting_as` or `impersonating`) / None. */
  async fromSync(message: { tokenType: string; value?: unknown; acting_as?: unknown; impersonating?: unknown }): Promise<Authenticated> {
    switch (message.tokenType) {
      case "None":
        return { caller: ANONYMOUS };
      case "User":
        return this.user(requireString(message.value));
      case "Admin":
        // The value may also carry the identity as in the HTTP header (`<key>:<base64 JSON>`):
        // the Python binding's set_admin_auth has no acting-as parameter.
        return {
          caller: this.actingAs(this.adminWithIdentity(requireString(message.value)), message.acting_as ?? message.impersonating),
        };
      default:
        throw badRequest("BadAuthenticate", `Unknown tokenType ${JSON.stringify(message.tokenType)}`);
    }
  }

  /** For admin-only routes: the credential must hold the admin key. */
  async requireAdmin(header: string | undefined): Promise<Caller> {
    const { caller } = await this.fromHeader(header);
    if (!caller.admin) throw new HttpError(403, "BadDeployKey", "This route requires the deployment admin key");
    return caller;
  }

  private async user(token: string): Promise<Authenticated> {
    const { identity, expiresAtMs } = await this.tokens.verify(token);
    return { caller: { identity, admin: false }, expiresAtMs };
  }

  private admin(key: string): Caller {
    if (!this.adminKey.matches(key)) throw unauthenticated("BadAdminKey", "The provided admin key was invalid for this instance");
    return { identity: null, admin: true };
  }

  /** `<key>` or `<key>:<base64 identity JSON>`, after an optional `prod:`-style prefix. */
  private adminWithIdentity(credential: string): Caller {
    const prefix = /^(prod|dev|preview):/.exec(credential)?.[0] ?? "";
    const rest = credential.slice(prefix.length);
    const colon = rest.indexOf(":");
    if (colon < 0) return this.admin(credential);
    const caller = this.admin(prefix + rest.slice(0, colon));
    const identity = decodeAttributes(rest.slice(colon + 1));
    if (typeof identity === "string") throw badRequest("InvalidAuthHeader", `Invalid acting-as identity: ${identity}`);
    return { ...caller, identity };
  }

  private actingAs(caller: Caller, attributes: unknown): Caller {
    if (attributes === undefined || attributes === null) return caller;
    const identity = identityFromAttributes(attributes);
    if (typeof identity === "string") throw badRequest("InvalidAuthHeader", `Invalid acting-as identity: ${identity}`);
    return { ...caller, identity };
  }
}

function requireString(value: unknown): string {
  if (typeof value !== "string") throw badRequest("BadAuthenticate", "Authenticate needs a string `value`");
  return value;
}
