import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real OpenSSH server (Debian `openssh-server`) on a free loopback port, standing in for the
 * NAS: its own config, host key and user key in a temp dir, no root login, an unprivileged user
 * that may only speak SFTP (`ForceCommand internal-sftp`). Tests run as root, so sshd runs as root
 * (it needs to for privilege separation) and the login is the dedicated user.
 */

export const SSHD = "/usr/sbin/sshd";
export const NAS_USER = "pvebnas";
export const NAS_PASSWORD = "nas-password-123";

export interface Sshd {
  readonly port: number;
  readonly dir: string;
  readonly user: string;
  readonly password: string;
  /** The user's private key (OpenSSH format). */
  readonly privateKey: string;
  readonly privateKeyPath: string;
  /** `SHA256:…` of the server's host key, as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  readonly logFile: string;
  log(): string;
  stop(): Promise<void>;
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && process.getuid?.() === 0;
}

/** Create the unprivileged login once per machine (idempotent), with its password. */
function ensureUser(): void {
  try {
    execFileSync("id", [NAS_USER], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAS_USER]);
  }
  execFileSync("chpasswd", { input: `${NAS_USER}:${NAS_PASSWORD}\n` });
}

/** Make every directory on the way to `path` traversable, so the NAS user can read the share. */
export function openPathFor(path: string): void {
  let p = path;
  while (p !== "/" && p !== "") {
    chmodSync(p, 0o755);
    p = join(p, "..");
    if (p === "/tmp") break;
  }
}

export async function startSshd(opts: { port: number }): Promise<Sshd> {
  ensureUser();
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-sshd-"));
  chmodSync(dir, 0o755);
  const hostKey = join(dir, "host_ed25519");
  const userKey = join(dir, "user_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "pve-backup-test", "-f", userKey]);
  const authorized = join(dir, "authorized_keys");
  writeFileSync(authorized, readFileSync(`${userKey}.pub`));
  chmodSync(authorized, 0o644);
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${opts.port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorized}`,
      "PermitRootLogin no",
      `AllowUsers ${NAS_USER}`,
      "PasswordAuthentication yes",
      "PubkeyAuthentication yes",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "LogLevel VERBOSE",
      "Subsystem sftp internal-sftp",
      "ForceCommand internal-sftp",
      "AllowTcpForwarding no",
      "X11Forwarding no",
      "",
    ].join("\n"),
  );
  const logFile = join(dir, "sshd.log");
  const out = openSync(logFile, "a");
  const proc: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", out, out] });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sshd exited: ${readFileSync(logFile, "utf8")}`);
    if (await listening(opts.port)) break;
    if (Date.now() > deadline) throw new Error(`sshd did not listen: ${readFileSync(logFile, "utf8")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const blob = Buffer.from(readFileSync(`${hostKey}.pub`, "utf8").split(" ")[1] as string, "base64");
  const hostKeyFingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  return {
    port: opts.port,
    dir,
    user: NAS_USER,
    password: NAS_PASSWORD,
    privateKey: readFileSync(userKey, "utf8"),
    privateKeyPath: userKey,
    hostKeyFingerprint,
    logFile,
    log: () => readFileSync(logFile, "utf8"),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
