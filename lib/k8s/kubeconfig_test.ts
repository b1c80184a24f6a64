import assert from "node:assert/strict";
import { join } from "node:path";
import { InvalidArgumentError, NotFoundError } from "../errors/mod.ts";
import { loadKubeConfig } from "./kubeconfig.ts";

interface Fixture {
  dir: string;
  env: (vars: Record<string, string>) => (name: string) => string | undefined;
}

async function fixture(): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "kubeconfig_test_" });
  await Deno.mkdir(join(dir, "certs"));
  await Deno.writeTextFile(join(dir, "certs", "ca.crt"), "CA-PEM\n");
  await Deno.writeTextFile(join(dir, "certs", "admin.crt"), "CERT-PEM\n");
  await Deno.writeTextFile(join(dir, "certs", "admin.key"), "KEY-PEM\n");
  await Deno.writeTextFile(join(dir, "token"), "file-token\n");
  await Deno.writeTextFile(
    join(dir, "a.yaml"),
    `apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: shared
  cluster: {server: "https://a.example:6443/", certificate-authority: certs/ca.crt}
- name: only-a
  cluster: {server: "https://only-a:6443"}
users:
- name: admin
  user: {client-certificate: certs/admin.crt, client-key: certs/admin.key}
contexts:
- name: ctx-a
  context: {cluster: shared, user: admin, namespace: team-a}
`,
  );
  await Deno.writeTextFile(
    join(dir, "b.yaml"),
    `apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: shared
  cluster: {server: "https://b.example:6443"}
- name: only-b
  cluster: {server: "https://only-b:6443", certificate-authority-data: ${btoa("INLINE-CA")}}
users:
- name: token-user
  user: {token: secret-token}
- name: file-token-user
  user: {token-file: token}
- name: basic
  user: {username: u, password: p}
contexts:
- name: ctx-b
  context: {cluster: only-b, user: token-user}
- name: ctx-file-token
  context: {cluster: only-b, user: file-token-user}
- name: ctx-basic
  context: {cluster: only-a, user: basic}
- name: ctx-broken
  context: {cluster: missing, user: basic}
`,
  );
  await Deno.writeTextFile(
    join(dir, "nocurrent.yaml"),
    "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
  );
  return { dir, env: (vars) => (name) => vars[name] };
}

Deno.test("loadKubeConfig() merges KUBECONFIG files, first definition wins", async (t) => {
  const f = await fixture();
  try {
    const list = [join(f.dir, "missing.yaml"), join(f.dir, "a.yaml"), "", join(f.dir, "b.yaml")];
    const env = f.env({ KUBECONFIG: list.join(":") });
    await t.step("current context of the first file", async () => {
      const conn = loadKubeConfig({ env });
      assert.equal(conn.context, "ctx-a");
      assert.equal(conn.server, "https://a.example:6443");
      assert.equal(conn.namespace, "team-a");
      assert.deepEqual(conn.caCerts, ["CA-PEM\n"]);
      assert.equal(conn.cert, "CERT-PEM\n");
      assert.equal(conn.key, "KEY-PEM\n");
      assert.deepEqual(conn.sources, [join(f.dir, "a.yaml"), join(f.dir, "b.yaml")]);
      assert.deepEqual((await conn.auth()).headers, {});
    });
    await t.step("--context picks an entry of the second file", async () => {
      const conn = loadKubeConfig({ env, context: "ctx-b" });
      assert.equal(conn.server, "https://only-b:6443");
      assert.deepEqual(conn.caCerts, ["INLINE-CA"]);
      assert.deepEqual((await conn.auth()).headers, { Authorization: "Bearer secret-token" });
    });
    await t.step("token-file is read relative to its kubeconfig", async () => {
      const conn = loadKubeConfig({ env, context: "ctx-file-token" });
      assert.deepEqual((await conn.auth()).headers, { Authorization: "Bearer file-token" });
    });
    await t.step("basic auth", async () => {
      const conn = loadKubeConfig({ env, context: "ctx-basic" });
      assert.deepEqual((await conn.auth()).headers, { Authorization: `Basic ${btoa("u:p")}` });
    });
    await t.step("missing context and cluster", () => {
      assert.throws(() => loadKubeConfig({ env, context: "nope" }), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.equal(err.message, 'Cannot use kubeconfig: context "nope" not found');
        return true;
      });
      assert.throws(
        () => loadKubeConfig({ env, context: "ctx-broken" }),
        /cluster "missing" not found/,
      );
    });
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("loadKubeConfig() prefers --kubeconfig over KUBECONFIG", async () => {
  const f = await fixture();
  try {
    const env = f.env({ KUBECONFIG: join(f.dir, "a.yaml") });
    const conn = loadKubeConfig({ env, kubeconfig: join(f.dir, "b.yaml") });
    assert.equal(conn.context, "ctx-b");
    assert.throws(
      () => loadKubeConfig({ env, kubeconfig: join(f.dir, "absent.yaml") }),
      NotFoundError,
    );
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("loadKubeConfig() falls back to ~/.kube/config", async () => {
  const f = await fixture();
  try {
    await Deno.mkdir(join(f.dir, "home", ".kube"), { recursive: true });
    await Deno.copyFile(join(f.dir, "b.yaml"), join(f.dir, "home", ".kube", "config"));
    const conn = loadKubeConfig({ env: f.env({ HOME: join(f.dir, "home") }) });
    assert.equal(conn.context, "ctx-b");
    assert.deepEqual(conn.sources, [join(f.dir, "home", ".kube", "config")]);
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});

Deno.test("loadKubeConfig() explains what is missing", async () => {
  const f = await fixture();
  try {
    assert.throws(() => loadKubeConfig({ env: f.env({ HOME: f.dir }) }), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.match(err.message, /^Cannot find a kubeconfig: use --kubeconfig, set KUBECONFIG/);
      return true;
    });
    assert.throws(
      () => loadKubeConfig({ env: f.env({ KUBECONFIG: join(f.dir, "gone.yaml") }) }),
      /no file of KUBECONFIG/,
    );
    assert.throws(
      () => loadKubeConfig({ kubeconfig: join(f.dir, "nocurrent.yaml"), env: f.env({}) }),
      (err: unknown) =>
        err instanceof InvalidArgumentError && /current-context is not set/.test(err.message),
    );
    await Deno.writeTextFile(join(f.dir, "bad.yaml"), "clusters: [unclosed");
    assert.throws(
      () => loadKubeConfig({ kubeconfig: join(f.dir, "bad.yaml"), env: f.env({}) }),
      InvalidArgumentError,
    );
  } finally {
    await Deno.remove(f.dir, { recursive: true });
  }
});
