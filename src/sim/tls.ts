import { createHash, X509Certificate } from "node:crypto";
import { generate } from "selfsigned";

/**
 * A node certificate like PVE's default `pve-ssl.pem` (reference §1.5): subject
 * `CN=<fqdn>, O=Proxmox Virtual Environment, OU=PVE Cluster Node`, SANs for loopback, `localhost`
 * and the node name. Self-signed here (PVE signs it with the cluster CA), so clients pin it.
 */
export interface NodeCertificate {
  readonly key: string;
  readonly cert: string;
  /** SHA-256, uppercase hex, colon separated — what `ssl_fingerprint` and Node's `fingerprint256` show. */
  readonly fingerprint: string;
}

export async function createNodeCertificate(node: string): Promise<NodeCertificate> {
  const now = Date.now();
  const pems = await generate(
    [
      { name: "commonName", value: `${node}.lab.lan` },
      { name: "organizationName", value: "Proxmox Virtual Environment" },
      { shortName: "OU", value: "PVE Cluster Node" },
    ],
    {
      // EC keeps lab start-up fast; PVE's own default is RSA 2048 — clients do not care.
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate: new Date(now - 86_400_000),
      notAfterDate: new Date(now + 2 * 365 * 86_400_000),
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
            { type: 2, value: "localhost" },
            { type: 2, value: node },
            { type: 2, value: `${node}.lab.lan` },
          ],
        },
      ],
    },
  );
  return { key: pems.private, cert: pems.cert, fingerprint: new X509Certificate(pems.cert).fingerprint256 };
}

/** A stable stand-in fingerprint for nodes whose certificate the sim does not serve. */
export function fakeFingerprint(node: string): string {
  const hex = createHash("sha256").update(`pve-node-cert:${node}`).digest("hex").toUpperCase();
  return hex.match(/../g)?.join(":") ?? hex;
}
