/**
 * Who is calling. Every public function resolves the caller here, at its top.
 *
 * Callers:
 * - anonymous: no identity.
 * - user: a verified JWT from a provider in `auth.config.ts` (matched to
 *   `users.externalId` = the token's `sub`), or the service acting as a user.
 * - service: a trusted backend holding the deployment's admin key. Convex lets an
 *   admin key act as an arbitrary identity (`Authorization: Convex <key>:<identity>`);
 *   the SDK sends identities with issuer `SERVICE_ISSUER`. No auth provider is
 *   configured with that issuer, so no JWT can carry it: only admin-key holders
 *   can produce these identities. Subject `service` is the service itself (may do
 *   everything an admin may); any other subject is a `users` id the service acts as.
 *   System operations (payment completion, bulk import, migrations, crons) are
 *   internal functions, which Convex only runs for admin-key callers.
 */
import type { UserIdentity } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { forbidden, unauthenticated } from "./errors";

export const SERVICE_ISSUER = "https://service.doctrina.invalid";
export const SERVICE_SUBJECT = "service";

export type Caller =
  | { kind: "anonymous" }
  | { kind: "service" }
  | { kind: "user"; user: Doc<"users">; identity: UserIdentity };

export async function getCaller(ctx: QueryCtx): Promise<Caller> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) return { kind: "anonymous" };
  if (isServiceItself(identity)) return { kind: "service" };
  const user = await userOfIdentity(ctx, identity);
  return user === null ? unknownIdentity(identity) : { kind: "user", user, identity };
}

/** The service itself, as opposed to the service acting as a user. */
export const isServiceItself = (identity: UserIdentity): boolean =>
  identity.issuer === SERVICE_ISSUER && identity.subject === SERVICE_SUBJECT;

/**
 * The user an identity stands for, or null: the service acting as a user names
 * the user's id as its subject; a sign-in token's subject is `users.externalId`.
 */
export async function userOfIdentity(ctx: QueryCtx, identity: UserIdentity): Promise<Doc<"users"> | null> {
  if (identity.issuer !== SERVICE_ISSUER) return await findUserByExternalId(ctx, identity.subject);
  const userId = ctx.db.normalizeId("users", identity.subject);
  return userId === null ? null : await ctx.db.get(userId);
}

/** UNAUTHENTICATED: no user stands for this identity (yet). */
export const unknownIdentity = (identity: UserIdentity): never =>
  identity.issuer === SERVICE_ISSUER
    ? unauthenticated(`The service acts as an unknown user: ${identity.subject}`)
    : unauthenticated("No user for this identity yet: call users:ensureCurrentUser first");

export async function findUserByExternalId(ctx: QueryCtx, externalId: string): Promise<Doc<"users"> | null> {
  return await ctx.db
    .query("users")
    .withIndex("by_externalId", (q) => q.eq("externalId", externalId))
    .first();
}

/** Refuses the caller: UNAUTHENTICATED when anonymous (signing in may help), FORBIDDEN otherwise. */
export const deny = (caller: Caller, message: string, signInMessage?: string): never =>
  caller.kind === "anonymous" ? unauthenticated(signInMessage) : forbidden(message);

/**
 * The user's roles. A legacy row not yet migrated may hold only `role`; these
 * read it exactly as `migrations:usersRoleToBooleans` will write it, so a
 * user's rights are the same before and after the migration.
 */
export const hasAdminRole = (user: Doc<"users">): boolean => user.isAdmin === true || user.role === "admin";
export const hasInstructorRole = (user: Doc<"users">): boolean =>
  user.isInstructor === true || user.role === "instructor";

/** Admin rights: the service, or a user with the admin role. */
export const isPrivileged = (caller: Caller): boolean =>
  caller.kind === "service" || (caller.kind === "user" && hasAdminRole(caller.user));

export type UserCaller = Extract<Caller, { kind: "user" }>;
export type SignedInCaller = Exclude<Caller, { kind: "anonymous" }>;

/** A user or the service: UNAUTHENTICATED for anonymous callers. */
export async function requireSignedIn(ctx: QueryCtx): Promise<SignedInCaller> {
  const caller = await getCaller(ctx);
  return caller.kind === "anonymous" ? unauthenticated() : caller;
}

/** The signed-in user: UNAUTHENTICATED for anonymous callers, FORBIDDEN for the service not acting as a user. */
export async function requireUserCaller(ctx: QueryCtx): Promise<UserCaller> {
  const caller = await getCaller(ctx);
  return caller.kind === "user" ? caller : deny(caller, "This acts for a user: call it with acting_as(user_id)");
}

/** `requireUserCaller`'s user document. */
export async function requireUser(ctx: QueryCtx): Promise<Doc<"users">> {
  return (await requireUserCaller(ctx)).user;
}

export async function requireAdmin(ctx: QueryCtx): Promise<SignedInCaller> {
  const caller = await requireSignedIn(ctx);
  if (!isPrivileged(caller)) return forbidden("Only administrators may do this");
  return caller;
}

/** A signed-in user with `isInstructor`: `requireUserCaller`'s errors, or FORBIDDEN (`message`). */
export async function requireInstructor(ctx: QueryCtx, message = "Only instructors may do this"): Promise<UserCaller> {
  const caller = await requireUserCaller(ctx);
  return hasInstructorRole(caller.user) ? caller : forbidden(message);
}

/**
 * The caller may act for `userId` (a row's owner: its user, a course's
 * instructor, a resource's creator): it is that user, an admin, or the service.
 */
export function canActFor(caller: Caller, userId: Id<"users"> | undefined): boolean {
  return isPrivileged(caller) || (caller.kind === "user" && caller.user._id === userId);
}

/** A stable string naming the caller, used to scope idempotency keys. */
export function callerKey(caller: Caller): string {
  return caller.kind === "user" ? `user:${caller.user._id}` : caller.kind;
}

export const fullName = (user: Pick<Doc<"users">, "firstName" | "lastName">): string =>
  `${user.firstName} ${user.lastName}`.trim();
