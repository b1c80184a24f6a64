/**
 * Ellipsis expansion of selector arguments (`node{1...4}`, `sd{a...f}`).
 *
 * May import: lib/errors.
 * @module
 */
export { expandEllipsis } from "./ellipsis.ts";
