/**
 * The version `--version` prints: the DirectPV release this CLI is a drop-in successor of,
 * which is also the default driver image tag of `install`.
 */
export const VERSION = "v4.1.6";
