/**
 * Ellipsis expansion of selector arguments (`node{1...4}`, `sd{a...f}`).
 *
 * May import: lib/errors.
 * @module
 */
export { expandEllipsis, MAX_EXPANSION } from "./ellipsis.ts";
