/** The driver's version, reported by `--version` and as the CSI `vendor_version`. */
export const DRIVER_VERSION = "v4.1.6";
