import assert from "node:assert/strict";
import { type DriverOptions, EXIT, normalizeArgs, type Role, runProgram } from "./flags.ts";
import { RELEASE_TAG } from "../lib/version/mod.ts";

async function parse(argv: string[]) {
  const calls: Array<{ role: Role; options: DriverOptions }> = [];
  let out = "";
  let err = "";
  const code = await runProgram(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    run: (role, options) => {
      calls.push({ role, options });
      return Promise.resolve(EXIT.ok);
    },
  });
  return { code, calls, out, err };
}

Deno.test("runProgram() applies DirectPV's defaults", async () => {
  const { code, calls } = await parse(["node-server", "--kube-node-name", "n1"]);
  assert.equal(code, EXIT.ok);
  assert.deepEqual(calls, [{
    role: "node-server",
    options: {
      identity: "directpv-min-io",
      csiEndpoint: "unix:///csi/csi.sock",
      kubeNodeName: "n1",
      rack: "default",
      zone: "default",
      region: "default",
      readinessPort: 30443,
      metricsPort: 10443,
      listenAddress: "0.0.0.0",
      verbosity: 3,
      allowLoopDevices: false,
      quota: "required",
      appDir: "/var/lib/directpv",
      kubeletDir: "/var/lib/kubelet",
      healthInterval: 30,
      pluginRegistrationPath: "/var/lib/kubelet/plugins_registry",
      logFormat: "json",
      withNodeController: false,
    },
  }]);
});

Deno.test("runProgram() parses every flag, before or after the role", async () => {
  const { code, calls } = await parse([
    "-k",
    "/tmp/kc",
    "--identity=x-y",
    "controller",
    "--csi-endpoint",
    "unix:/tmp/c.sock",
    "--kube-node-name=n2",
    "--rack=r",
    "--zone=z",
    "--region=g",
    "--readiness-port=0",
    "--metrics-port",
    "0",
    "--listen-address",
    "127.0.0.1",
    "-v=5",
    "--allow-loop-devices",
    "--quota=best-effort",
    "--app-dir",
    "/tmp/app",
    "--kubelet-dir=/k",
    "--loop-backing-dir",
    "/tmp/loops",
    "--health-interval",
    "5",
    "--kubelet-registration-path=/k/plugins/x-y/csi.sock",
    "--plugin-registration-path",
    "/k/plugins_registry",
    "--health-port=9898",
    "--log-format",
    "text",
    "--with-node-controller",
  ]);
  assert.equal(code, EXIT.ok);
  assert.deepEqual(calls[0]?.options, {
    kubeconfig: "/tmp/kc",
    identity: "x-y",
    csiEndpoint: "unix:/tmp/c.sock",
    kubeNodeName: "n2",
    rack: "r",
    zone: "z",
    region: "g",
    readinessPort: 0,
    metricsPort: 0,
    listenAddress: "127.0.0.1",
    verbosity: 5,
    allowLoopDevices: true,
    quota: "best-effort",
    appDir: "/tmp/app",
    kubeletDir: "/k",
    loopBackingDir: "/tmp/loops",
    healthInterval: 5,
    kubeletRegistrationPath: "/k/plugins/x-y/csi.sock",
    pluginRegistrationPath: "/k/plugins_registry",
    healthPort: 9898,
    logFormat: "text",
    withNodeController: true,
  });
  assert.equal(calls[0]?.role, "controller");
});

Deno.test("runProgram() refuses bad usage with exit code 2", async (t) => {
  await t.step("missing --kube-node-name", async () => {
    const { code, calls, err } = await parse(["controller"]);
    assert.equal(code, EXIT.usage);
    assert.equal(calls.length, 0);
    assert.match(err, /value to --kube-node-name must be provided/);
  });
  await t.step("bad quota policy", async () => {
    const { code, err } = await parse(["node-server", "--kube-node-name=n", "--quota=maybe"]);
    assert.equal(code, EXIT.usage);
    assert.match(err, /Allowed choices are required, best-effort/);
  });
  await t.step("bad port", async () => {
    const { code } = await parse(["node-server", "--kube-node-name=n", "--metrics-port=x"]);
    assert.equal(code, EXIT.usage);
  });
  await t.step("bad health interval", async () => {
    const { code, err } = await parse(["node-server", "--kube-node-name=n", "--health-interval=0"]);
    assert.equal(code, EXIT.usage);
    assert.match(err, /Invalid interval "0": expected a whole number of seconds, 1 or more/);
  });
  await t.step("unknown flag", async () => {
    const { code } = await parse(["node-server", "--kube-node-name=n", "--nope"]);
    assert.equal(code, EXIT.usage);
  });
  await t.step("unknown role", async () => {
    const { code } = await parse(["repairman"]);
    assert.equal(code, EXIT.usage);
  });
});

Deno.test("runProgram() prints the version", async () => {
  const { code, out, calls } = await parse(["--version"]);
  assert.equal(code, EXIT.ok);
  assert.equal(out.trim(), RELEASE_TAG);
  assert.equal(calls.length, 0);
});

Deno.test("runProgram() passes the role's exit code through", async () => {
  const code = await runProgram(["node-controller", "--kube-node-name", "n"], {
    out: () => {},
    err: () => {},
    run: () => Promise.resolve(EXIT.failure),
  });
  assert.equal(code, EXIT.failure);
});

Deno.test("normalizeArgs() rewrites klog verbosity flags", () => {
  assert.deepEqual(normalizeArgs(["-v=3", "--v=4", "-v", "2"]), [
    "--verbosity",
    "3",
    "--verbosity",
    "4",
    "-v",
    "2",
  ]);
});

Deno.test("runProgram() runs the legacy roles the legacy workloads name", async () => {
  // The container args of the legacy-controller Deployment and legacy-node-server DaemonSet.
  for (const role of ["legacy-controller", "legacy-node-server"] as const) {
    const argv = [role, "-v=3", "--csi-endpoint=unix:///csi/csi.sock", "--kube-node-name=n1"];
    const { code, calls } = await parse([...argv, "--readiness-port=30443"]);
    assert.equal(code, EXIT.ok, role);
    assert.deepEqual(calls.map((c) => [c.role, c.options.kubeNodeName]), [[role, "n1"]]);
  }
  const { code, err } = await parse(["legacy-node-server"]);
  assert.equal(code, EXIT.usage);
  assert.match(err, /value to --kube-node-name must be provided/);
  const help = await parse(["--help"]);
  assert.match(help.out, /legacy-controller +Run the controller of DirectCSI volumes/);
  assert.match(help.out, /legacy-node-server +Run the node server of DirectCSI volumes/);
});
