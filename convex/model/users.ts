/** Rules for `users`: normalization, validation, uniqueness, the caller's own user. */
import type { UserIdentity } from "convex/server";
import { ConvexError, type Infer } from "convex/values";
import isEmail from "validator/es/lib/isEmail";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { bulkCreateRowResult, Profession } from "../validators";
import { hasAdminRole, hasInstructorRole, isServiceItself, SERVICE_ISSUER, unknownIdentity, userOfIdentity } from "./auth";
import { httpUrl, isHttpUrl, MAX_URL, optionalText, requiredText } from "./checks";
import { conflict, forbidden, invalid, unauthenticated } from "./errors";
import { recordChange } from "./audit";

export type NewUser = {
  firstName: string;
  lastName: string;
  email: string;
  image?: string;
  phone?: string;
  externalId?: string;
};

export type ProfileChanges = {
  firstName?: string;
  lastName?: string;
  image?: string;
  phone?: string;
  licenseNumber?: string;
  licenseState?: string;
  profession?: Profession;
};

const MAX_NAME = 100;
const MAX_EMAIL = 254;
const PHONE = /^\+?[0-9 ()./-]{3,40}$/;
export const MAX_BULK_ROWS = 500;

/** An email as stored and looked up (uniqueness is decided on this form): NFC, trimmed, lower case. */
export const normalizeEmail = (email: string): string => email.normalize("NFC").trim().toLowerCase();

export const checkName = (value: string, field: string): string => requiredText(value, field, MAX_NAME);

// validator.js's RFC 5321/5322 rules: a domain with a TLD, no quoted local parts,
// no IP literals; international (UTF-8) addresses are allowed. A control
// character is never part of an address, so it is refused before parsing.
const EMAIL_RULES = { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false } as const;

export function checkEmail(value: string): string {
  const email = normalizeEmail(value);
  const readable = requiredText(email, "email", MAX_EMAIL);
  if (!isEmail(readable, EMAIL_RULES)) invalid(`Not an email address: ${JSON.stringify(value)}`, "email");
  return readable;
}

function checkPhone(value: string): string {
  const phone = value.trim();
  if (!PHONE.test(phone) || !/[0-9]/.test(phone)) invalid(`Not a phone number: ${value}`, "phone");
  return phone;
}

/**
 * The validated, normalized fields of a new user; throws VALIDATION. A sign-in
 * token may carry a single name, so users made from one may lack a last name.
 */
export function checkNewUser(input: NewUser, options = { requireLastName: true }): NewUser {
  const lastName = options.requireLastName ? checkName(input.lastName, "lastName") : input.lastName.trim();
  return {
    ...input,
    firstName: checkName(input.firstName, "firstName"),
    lastName: lastName.slice(0, MAX_NAME),
    email: checkEmail(input.email),
    ...(input.image === undefined ? {} : { image: httpUrl(input.image, "image") }),
    ...(input.phone === undefined ? {} : { phone: checkPhone(input.phone) }),
  };
}

export async function getByEmail(ctx: QueryCtx, email: string): Promise<Doc<"users"> | null> {
  return await ctx.db
    .query("users")
    .withIndex("by_email", (q) => q.eq("email", normalizeEmail(email)))
    .first();
}

/** Inserts a student (no roles); the email must be unused. */
export async function insertUser(
  ctx: MutationCtx,
  input: NewUser,
  options = { requireLastName: true },
): Promise<Id<"users">> {
  const user = checkNewUser(input, options);
  if ((await getByEmail(ctx, user.email)) !== null) {
    conflict(`A user with email ${user.email} already exists`, { field: "email" });
  }
  const now = new Date().toISOString();
  return await ctx.db.insert("users", { ...user, isInstructor: false, isAdmin: false, createdAt: now, updatedAt: now });
}

/** A licence number as stored and looked up (`reports:ceTranscript`): trimmed, upper case, spaces removed. */
export const normalizeLicense = (value: string): string => value.normalize("NFC").toUpperCase().replace(/\s+/g, "");

const MAX_LICENSE = 50;

/** The learner's licence fields of `changes`; an empty number or state removes it. */
function licensePatch(changes: ProfileChanges): Partial<Doc<"users">> {
  const patch: Partial<Doc<"users">> = {};
  if (changes.licenseNumber !== undefined) {
    const number = optionalText(normalizeLicense(changes.licenseNumber), "licenseNumber", MAX_LICENSE);
    patch.licenseNumber = number === "" ? undefined : number;
  }
  if (changes.licenseState !== undefined) {
    const state = optionalText(changes.licenseState, "licenseState", 100);
    patch.licenseState = state === "" ? undefined : state;
  }
  if (changes.profession !== undefined) patch.profession = changes.profession;
  return patch;
}

/** Profile edits; an empty `image`, `phone`, `licenseNumber` or `licenseState` removes it. */
export async function updateProfile(ctx: MutationCtx, user: Doc<"users">, changes: ProfileChanges): Promise<void> {
  const patch: Partial<Doc<"users">> = {};
  if (changes.firstName !== undefined) patch.firstName = checkName(changes.firstName, "firstName");
  if (changes.lastName !== undefined) patch.lastName = checkName(changes.lastName, "lastName");
  if (changes.image !== undefined) {
    patch.image = changes.image.trim() === "" ? undefined : httpUrl(changes.image, "image");
  }
  if (changes.phone !== undefined) patch.phone = changes.phone.trim() === "" ? undefined : checkPhone(changes.phone);
  await ctx.db.patch(user._id, { ...patch, ...licensePatch(changes), updatedAt: new Date().toISOString() });
}

export async function setRoles(
  ctx: MutationCtx,
  actor: Id<"users"> | null,
  user: Doc<"users">,
  roles: { isInstructor?: boolean; isAdmin?: boolean },
): Promise<void> {
  // Keeps at least the acting admin able to administer: no locking oneself out.
  if (actor === user._id && roles.isAdmin === false) {
    forbidden("An administrator cannot remove their own admin role");
  }
  await ctx.db.patch(user._id, { ...roles, updatedAt: new Date().toISOString() });
  await recordChange(ctx, { action: "users.setRoles", targetId: user._id, details: roles });
}

/**
 * A user as functions return it: both roles present (a legacy row's read from
 * its `role`), although the widened schema lets a stored row lack them.
 */
export const withRoles = (user: Doc<"users">) => ({
  ...user,
  isInstructor: hasInstructorRole(user),
  isAdmin: hasAdminRole(user),
});

export const withRolesOrNull = (user: Doc<"users"> | null) => (user === null ? null : withRoles(user));

// ---------------------------------------------------------------- the caller's own user

/** The user behind the caller's identity, or null (anonymous, the service itself, no user yet). */
export async function findCurrentUser(ctx: QueryCtx): Promise<Doc<"users"> | null> {
  const identity = await ctx.auth.getUserIdentity();
  return identity === null ? null : await userOfIdentity(ctx, identity);
}

/**
 * The caller's user, created or linked on first sign-in. A JWT identity is
 * matched by `externalId` (the token's subject), else linked to the user holding
 * its email, else a new student is made from its claims. The service acting as a
 * user gets that user. Either way `lastLogin` is now.
 */
export async function ensureCurrentUser(ctx: MutationCtx): Promise<Id<"users">> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) return unauthenticated();
  if (isServiceItself(identity)) return forbidden("The service has no user: call it with acting_as(user_id)");
  const known = await userOfIdentity(ctx, identity);
  const userId =
    known?._id ?? (identity.issuer === SERVICE_ISSUER ? unknownIdentity(identity) : await userFromToken(ctx, identity));
  await ctx.db.patch(userId, { lastLogin: new Date().toISOString() });
  return userId;
}

/** A sign-in token without a user yet: links the user holding its email, or makes a new student. */
async function userFromToken(ctx: MutationCtx, identity: UserIdentity): Promise<Id<"users">> {
  if (identity.email === undefined) return invalid("The sign-in token has no email claim", "email");
  const holder = await getByEmail(ctx, identity.email);
  if (holder === null) {
    const names = namesFromIdentity(identity);
    const user = { ...names, email: identity.email, externalId: identity.subject, ...imageFrom(identity) };
    return await insertUser(ctx, user, { requireLastName: false });
  }
  // Linking hands the account to whoever signs in with this email, so only a
  // verified email may claim it (a missing claim proves nothing), and never one
  // already linked to another sign-in.
  if (identity.emailVerified !== true) {
    return conflict("This email belongs to an existing user: verify it to sign in", { field: "email" });
  }
  if (holder.externalId !== undefined) {
    return conflict("This email's user is linked to another sign-in account", { field: "email" });
  }
  await ctx.db.patch(holder._id, { externalId: identity.subject, updatedAt: new Date().toISOString() });
  return holder._id;
}

/** Names from the token: given/family name, else the full name split once, else the email's local part. */
function namesFromIdentity(identity: UserIdentity): { firstName: string; lastName: string } {
  const [first = "", ...rest] = (identity.name ?? "").trim().split(/\s+/);
  const firstName = identity.givenName?.trim() || first || (identity.email ?? "").split("@")[0];
  const lastName = identity.familyName?.trim() || rest.join(" ");
  return { firstName: firstName.slice(0, MAX_NAME), lastName };
}

function imageFrom(identity: UserIdentity): { image?: string } {
  const url = identity.pictureUrl?.trim();
  return url !== undefined && url.length <= MAX_URL && isHttpUrl(url) ? { image: url } : {};
}

// ---------------------------------------------------------------- bulk import

export type BulkRowResult = Infer<typeof bulkCreateRowResult>;

/**
 * Imports rows one by one: a bad row is reported, never fatal for the batch.
 * Every check runs before the row's insert, so a failed row writes nothing.
 */
export async function createMany(ctx: MutationCtx, rows: NewUser[]): Promise<BulkRowResult[]> {
  const results: BulkRowResult[] = [];
  for (const [index, row] of rows.entries()) {
    let user: NewUser;
    try {
      user = checkNewUser(row);
    } catch (error) {
      results.push({ index, status: "invalid", error: errorMessage(error) });
      continue;
    }
    const existing = await getByEmail(ctx, user.email);
    results.push(
      existing !== null
        ? { index, status: "exists", id: existing._id }
        : { index, status: "created", id: await insertUser(ctx, user) },
    );
  }
  return results;
}

function errorMessage(error: unknown): string {
  if (error instanceof ConvexError) return String((error.data as { message?: unknown }).message ?? error.message);
  throw error;
}

