/**
 * The `sorted-btree` class. The package is CommonJS with `exports.default`; Node's ESM
 * loader (our esbuild bundles) exposes `module.exports` as the default import while Vite
 * (tests) unwraps `exports.default`, so resolve whichever we got.
 */
import * as sortedBtree from "sorted-btree";

type BTreeClass = typeof sortedBtree.default;
const loaded = sortedBtree as unknown as { default: BTreeClass | { default: BTreeClass } };

export const BTree: BTreeClass = typeof loaded.default === "function" ? loaded.default : loaded.default.default;
export type BTree<K, V> = sortedBtree.default<K, V>;

/** The order of index keys (strings of byte-valued chars): code unit order, as SQLite orders their bytes. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
