/**
 * Certificates and keys of a local control plane, made with `openssl`: one CA, the API
 * server's serving certificate (SANs 127.0.0.1 and localhost), an admin client certificate in
 * group `system:masters`, a service-account signing key pair and a static admin token.
 */
import { run } from "../lib/mod.ts";

/** Paths of the files {@link generatePki} writes. */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** `--token-auth-file` with one line for {@link Pki.adminToken}. */
  tokenFile: string;
  /** A bearer token of the admin user (group `system:masters`). */
  adminToken: string;
}

/** The admin user's name in its client certificate and token. */
export const ADMIN_USER = "directpv-harness-admin";

const DAYS = "30";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function signedCert(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<void> {
  const ext = `${dir}/${name}.ext`;
  await Deno.writeTextFile(ext, extensions);
  await run("openssl", [
    "req",
    "-new",
    ...EC_KEY,
    "-subj",
    subject,
    "-keyout",
    `${dir}/${name}.key`,
    "-out",
    `${dir}/${name}.csr`,
  ]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    `${dir}/${name}.csr`,
    "-CA",
    `${dir}/ca.crt`,
    "-CAkey",
    `${dir}/ca.key`,
    "-set_serial",
    serial(),
    "-days",
    DAYS,
    "-out",
    `${dir}/${name}.crt`,
    "-extfile",
    ext,
  ]);
  await Deno.remove(`${dir}/${name}.csr`);
  await Deno.remove(ext);
}

/**
 * Writes a fresh PKI into `dir` (created if missing).
 *
 * @throws {CommandError} when openssl fails
 */
export async function generatePki(dir: string): Promise<Pki> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await run("openssl", [
    "req",
    "-x509",
    ...EC_KEY,
    "-days",
    DAYS,
    "-subj",
    "/CN=directpv-harness-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.crt`,
  ]);
  const leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n";
  await signedCert(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  );
  await signedCert(
    dir,
    "admin",
    `/O=system:masters/CN=${ADMIN_USER}`,
    `${leaf}extendedKeyUsage=clientAuth\n`,
  );
  await run("openssl", [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    `${dir}/sa.key`,
  ]);
  await run("openssl", ["pkey", "-in", `${dir}/sa.key`, "-pubout", "-out", `${dir}/sa.pub`]);
  const adminToken = Array.from(
    crypto.getRandomValues(new Uint8Array(24)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const tokenFile = `${dir}/tokens.csv`;
  await Deno.writeTextFile(
    tokenFile,
    `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`,
    {
      mode: 0o600,
    },
  );
  return {
    dir,
    caCert: `${dir}/ca.crt`,
    caKey: `${dir}/ca.key`,
    serverCert: `${dir}/apiserver.crt`,
    serverKey: `${dir}/apiserver.key`,
    adminCert: `${dir}/admin.crt`,
    adminKey: `${dir}/admin.key`,
    serviceAccountKey: `${dir}/sa.key`,
    serviceAccountPub: `${dir}/sa.pub`,
    tokenFile,
    adminToken,
  };
}
