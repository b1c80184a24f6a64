/**
 * CSI Identity service: plugin name and version, capabilities, readiness (reference §3.2).
 */
import { errorMessage, UnavailableError } from "../../lib/errors/mod.ts";
import { IDENTITY } from "../../lib/types/mod.ts";
import {
  type PluginCapability,
  PluginCapability_Service_Type as ServiceType,
  PluginCapability_VolumeExpansion_Type as ExpansionType,
} from "../../proto/mod.ts";
import type { IdentityHandlers, Reply } from "./services.ts";

/** How the Identity service describes this process. */
export interface IdentityOptions {
  /** CSI driver name; `directpv-min-io` when omitted. */
  name?: string;
  /** Driver version reported as `vendor_version`. */
  version: string;
  /** Whether this process serves the Controller service (adds CONTROLLER_SERVICE). */
  controllerService: boolean;
  /** Whether to advertise ONLINE volume expansion; true when omitted. */
  onlineExpansion?: boolean;
  /**
   * Resolves true when the process can serve: the API server is reachable and, on a node,
   * the drive sync at start-up has finished. A rejection counts as not ready.
   */
  readiness: () => Promise<boolean>;
}

/** The plugin capabilities Identity reports for `options`. */
export function pluginCapabilities(
  options: Pick<IdentityOptions, "controllerService" | "onlineExpansion">,
): Reply<PluginCapability>[] {
  const caps: Reply<PluginCapability>[] = [];
  if (options.controllerService) {
    caps.push({ service: { type: ServiceType.CONTROLLER_SERVICE } });
  }
  caps.push({ service: { type: ServiceType.VOLUME_ACCESSIBILITY_CONSTRAINTS } });
  if (options.onlineExpansion ?? true) {
    caps.push({ volumeExpansion: { type: ExpansionType.ONLINE } });
  }
  return caps;
}

/** Builds the Identity handlers. */
export function identityHandlers(options: IdentityOptions): IdentityHandlers {
  const name = options.name ?? IDENTITY;
  return {
    /**
     * GetPluginInfo (spec.md#getplugininfo).
     * @throws {UnavailableError} when the name or the version is empty
     */
    getPluginInfo() {
      if (name === "") {
        return Promise.reject(new UnavailableError("Cannot report plugin info: name is empty"));
      }
      if (options.version === "") {
        return Promise.reject(new UnavailableError("Cannot report plugin info: version is empty"));
      }
      return Promise.resolve({ name, vendorVersion: options.version });
    },

    /** GetPluginCapabilities (spec.md#getplugincapabilities). */
    getPluginCapabilities() {
      return Promise.resolve({ capabilities: pluginCapabilities(options) });
    },

    /** Probe (spec.md#probe): `ready` always set, false until `readiness()` says so. */
    async probe(_request, ctx) {
      try {
        return { ready: await options.readiness() };
      } catch (err) {
        ctx.logger.warn("Readiness check failed", { error: errorMessage(err) });
        return { ready: false };
      }
    },
  };
}
