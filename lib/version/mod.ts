/**
 * The release of this repository: one version for the CLI (`--version`, user agent), the driver
 * (`--version`, CSI `vendor_version`, user agent), the default image tag of `install` and the
 * image the build script writes. Scripts read `RELEASE_VERSION` from this file; it is defined
 * nowhere else.
 *
 * May import: nothing (leaf module).
 * @module
 */

/** Semantic version of this release (after MinIO DirectPV v4.1.6, whose successor it is). */
export const RELEASE_VERSION = "4.2.0";

/** The release as tags write it: `v4.2.0` (image tag, `--version`, CSI `vendor_version`). */
export const RELEASE_TAG = `v${RELEASE_VERSION}`;
