/** Rules for `users`: normalization, validation, uniqueness. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { conflict, invalid } from "./errors";

export type NewUser = {
  firstName: string;
  lastName: string;
  email: string;
  image?: string;
  phone?: string;
  externalId?: string;
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_NAME = 100;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function checkName(value: string, field: string): string {
  const name = value.trim();
  if (name.length === 0) invalid(`${field} must not be empty`, field);
  if (name.length > MAX_NAME) invalid(`${field} must be at most ${MAX_NAME} characters`, field);
  return name;
}

export function checkEmail(value: string): string {
  const email = normalizeEmail(value);
  if (!EMAIL.test(email)) invalid(`Not an email address: ${value}`, "email");
  return email;
}

export async function getByEmail(ctx: QueryCtx, email: string): Promise<Doc<"users"> | null> {
  return await ctx.db
    .query("users")
    .withIndex("by_email", (q) => q.eq("email", normalizeEmail(email)))
    .first();
}

/** Inserts a student (no roles); the email must be unused. */
export async function insertUser(ctx: MutationCtx, input: NewUser): Promise<Id<"users">> {
  const firstName = checkName(input.firstName, "firstName");
  const lastName = checkName(input.lastName, "lastName");
  const email = checkEmail(input.email);
  if ((await getByEmail(ctx, email)) !== null) {
    conflict(`A user with email ${email} already exists`, { field: "email" });
  }
  const now = new Date().toISOString();
  return await ctx.db.insert("users", {
    ...input,
    firstName,
    lastName,
    email,
    isInstructor: false,
    isAdmin: false,
    createdAt: now,
    updatedAt: now,
  });
}
