/**
 * What the real-node scenarios share. They run inside an environment that
 * harness/realnode/run.ts started and named in `DIRECTPV_REALNODE_DIR`; without it they are
 * skipped with a message, or fail under CI=true.
 */
import { isCI } from "../lib/mod.ts";
import { openRealEnv, type RealEnv } from "../node/mod.ts";

/** The environment's directory and whether the scenarios run. */
export interface EnvGate {
  dir: string;
  ignore: boolean;
  assert(): void;
}

export function envGate(): EnvGate {
  const dir = Deno.env.get("DIRECTPV_REALNODE_DIR") ?? "";
  const why = "DIRECTPV_REALNODE_DIR is not set (run harness/realnode/run.ts)";
  if (!dir && !isCI()) console.error(`Skipping real-node scenarios: ${why}`);
  return {
    dir,
    ignore: !dir && !isCI(),
    assert(): void {
      if (!dir) throw new Error(`Cannot run the real-node scenarios: ${why}`);
    },
  };
}

/**
 * A privileged container with the pod volume `host` at `/host` (Bidirectional propagation),
 * Ready once its script has touched `/ready`.
 */
export function bidirectionalHost(): {
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; [key: string]: unknown }[];
  readinessProbe: Record<string, unknown>;
} {
  return {
    securityContext: { privileged: true },
    volumeMounts: [{ name: "host", mountPath: "/host", mountPropagation: "Bidirectional" }],
    readinessProbe: { exec: { command: ["cat", "/ready"] }, periodSeconds: 1 },
  };
}

/**
 * A scenario in the running environment: `fn` gets it opened. Skipped (or failed under CI)
 * outside harness/realnode/run.ts.
 */
export function realNodeTest(
  name: string,
  fn: (env: RealEnv, t: Deno.TestContext) => Promise<void>,
): void {
  const gate = envGate();
  Deno.test({
    name: `real node: ${name}`,
    ignore: gate.ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      gate.assert();
      await fn(await openRealEnv(gate.dir), t);
    },
  });
}
