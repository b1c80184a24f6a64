/**
 * Ellipsis expansion of selector arguments (`node{1...4}`, `sd{a...f}`).
 *
 * Imports only `lib/errors`.
 * @module
 */
export { expandEllipsis, MAX_EXPANSION } from "./ellipsis.ts";
