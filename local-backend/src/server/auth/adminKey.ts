/** The deployment admin key: one per data directory, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { loadOrCreateSecret } from "./secretFile.js";

/** Like a Convex key, `<deployment name>|<secret>`, so the CLI can read a name from it. */
const KEY_PREFIX = "doctrina-local|";

export class AdminKey {
  private readonly digest: Buffer;

  private constructor(
    readonly value: string,
    readonly file: string,
  ) {
    this.digest = sha256(value);
  }

  static async loadOrCreate(dataDir: string): Promise<AdminKey> {
    const file = join(dataDir, "admin_key");
    const value = await loadOrCreateSecret(file, async () => KEY_PREFIX + randomBytes(32).toString("hex"));
    return new AdminKey(value, file);
  }

  /** Accepts the key with an optional `prod:`/`dev:`/`preview:` type prefix, as Convex does. */
  matches(candidate: string): boolean {
    const key = candidate.replace(/^(prod|dev|preview):/, "");
    // Hashing first gives equal-length inputs, so timingSafeEqual never leaks the length.
    return timingSafeEqual(sha256(key), this.digest);
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
