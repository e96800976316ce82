/**
 * Child process for the crash-recovery test: runs concurrent mutations against an engine
 * and prints `ACK <label>` for each acknowledged one, until it is killed.
 */
import { createEngine } from "../../src/engine/index.js";

const [dataDir, functionsDir] = process.argv.slice(2);
const engine = await createEngine({ dataDir: dataDir!, functionsDir: functionsDir! });
process.stdout.write("READY\n");
let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const label = `v${next++}`;
    const result = await engine.run({ path: "values:insert", args: { label, value: label.repeat(20) }, caller: { identity: null, admin: false }, requestId: label });
    if (result.status !== "success") throw new Error(JSON.stringify(result));
    process.stdout.write(`ACK ${label}\n`);
  }
}
await Promise.all(Array.from({ length: 8 }, writer));
