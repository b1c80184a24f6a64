/**
 * The names of the node server's metrics: DirectPV's `directpv_stats_*` (reference §4.6) and
 * our `directpv_drive_*`. The driver exports them; the alerts and the Grafana dashboard of
 * lib/install are written over them.
 */

/** DirectPV's series, with DirectPV's names and labels. */
export const STATS_METRICS = {
  bytesUsed: "directpv_stats_bytes_used",
  bytesTotal: "directpv_stats_bytes_total",
  driveReady: "directpv_stats_drive_ready",
  readBytes: "directpv_stats_drive_total_read_bytes",
  writeBytes: "directpv_stats_drive_total_write_bytes",
  readLatency: "directpv_stats_drive_read_latency_seconds",
  writeLatency: "directpv_stats_drive_write_latency_seconds",
  waitTime: "directpv_stats_drive_wait_time_seconds",
} as const;

/** Our drive series, each with the labels `drive` (drive ID) and `node`. */
export const DRIVE_METRICS = {
  /** Also `device` and `make`; always 1. */
  info: "directpv_drive_info",
  /** Also `status`; 1 for the drive's current status. */
  status: "directpv_drive_status",
  /** Also `type`; 1 for each true condition. */
  condition: "directpv_drive_condition",
  healthy: "directpv_drive_healthy",
  totalBytes: "directpv_drive_total_bytes",
  allocatedBytes: "directpv_drive_allocated_bytes",
  freeBytes: "directpv_drive_free_bytes",
  volumes: "directpv_drive_volumes",
  ioErrors: "directpv_drive_io_errors_total",
} as const;
