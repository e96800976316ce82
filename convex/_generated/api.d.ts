/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as favorites from "../favorites.js";
import type * as model_access from "../model/access.js";
import type * as model_auth from "../model/auth.js";
import type * as model_callers from "../model/callers.js";
import type * as model_counters from "../model/counters.js";
import type * as model_errors from "../model/errors.js";
import type * as model_favorites from "../model/favorites.js";
import type * as model_idempotency from "../model/idempotency.js";
import type * as model_input from "../model/input.js";
import type * as model_notifications from "../model/notifications.js";
import type * as model_resources from "../model/resources.js";
import type * as model_users from "../model/users.js";
import type * as model_wishlist from "../model/wishlist.js";
import type * as resources from "../resources.js";
import type * as users from "../users.js";
import type * as validators from "../validators.js";
import type * as wishlist from "../wishlist.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  favorites: typeof favorites;
  "model/access": typeof model_access;
  "model/auth": typeof model_auth;
  "model/callers": typeof model_callers;
  "model/counters": typeof model_counters;
  "model/errors": typeof model_errors;
  "model/favorites": typeof model_favorites;
  "model/idempotency": typeof model_idempotency;
  "model/input": typeof model_input;
  "model/notifications": typeof model_notifications;
  "model/resources": typeof model_resources;
  "model/users": typeof model_users;
  "model/wishlist": typeof model_wishlist;
  resources: typeof resources;
  users: typeof users;
  validators: typeof validators;
  wishlist: typeof wishlist;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
