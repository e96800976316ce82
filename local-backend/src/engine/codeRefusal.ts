/**
 * The error a push (or an environment change) is refused with when its code does not load.
 * Convex names auth config failures with their own codes (the CLI prints how to set a missing
 * variable) and prefixes an invalid config with what was being done; anything else is `InvalidModules`.
 */
import { type AuthProvider, DeploymentError, type JSONValue } from "./api.js";
import { InvalidAuthConfig, parseAuthConfig } from "./auth.js";
import { INVALID_CODE, MISSING_ENV_CODE } from "./worker/authConfig.js";

/** Convex's explanations (crates/application/src/lib.rs). */
export const PUSHED_AUTH_CONFIG = "The pushed auth config is invalid";
export const CHANGED_AUTH_CONFIG = "This change would make the auth config invalid";

const MISSING_ENV = new RegExp(`^${MISSING_ENV_CODE}: (.*)$`, "m");
const INVALID = new RegExp(`^${INVALID_CODE}: ([\\s\\S]*)$`, "m");

/** `error` is the analysis's (its message carries a worker's code), or already a refusal. */
export function refusedCode(error: unknown, explanation: string): DeploymentError {
  if (error instanceof DeploymentError) return error;
  if (error instanceof InvalidAuthConfig) return new DeploymentError(INVALID_CODE, `${explanation}: ${error.message}`);
  const message = error instanceof Error ? error.message : String(error);
  const missing = MISSING_ENV.exec(message);
  if (missing !== null) return new DeploymentError(MISSING_ENV_CODE, missing[1]!);
  const invalid = INVALID.exec(message);
  if (invalid !== null) return new DeploymentError(INVALID_CODE, `${explanation}: ${invalid[1]!}`);
  return new DeploymentError("InvalidModules", message);
}

/** The providers of an evaluated auth config, or the `DeploymentError` Convex refuses it with. */
export function authProviders(config: JSONValue | null, explanation: string): AuthProvider[] {
  try {
    return parseAuthConfig(config);
  } catch (error) {
    throw refusedCode(error, explanation);
  }
}
