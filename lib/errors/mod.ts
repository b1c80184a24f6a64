/**
 * Domain error classes. Leaf module: imports nothing else from the repository.
 * @module
 */
export * from "./errors.ts";
