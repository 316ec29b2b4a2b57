import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { ValidationSeverity, validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";

/**
 * The add-on's Dockerfile and shell scripts, checked without a Docker engine: the Dockerfile
 * with dockerfile-utils' validator (the one behind the VS Code Docker language server) at its
 * strictest, plus the rules this image lives by; shell scripts with shellcheck.
 */

const root = join(import.meta.dirname, "../..");
const addon = join(root, "addon");
const text = readFileSync(join(addon, "Dockerfile"), "utf8");
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
function execForm(args: string | null): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args ?? "");
    return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? parsed : undefined;
  } catch {
    // Not JSON: the shell form.
    return undefined;
  }
}

describe("addon/Dockerfile", () => {
  it("has no problem dockerfile-utils finds, every check set to error", () => {
    const strict = {
      deprecatedMaintainer: ValidationSeverity.ERROR,
      directiveCasing: ValidationSeverity.ERROR,
      emptyContinuationLine: ValidationSeverity.ERROR,
      instructionCasing: ValidationSeverity.ERROR,
      instructionCmdMultiple: ValidationSeverity.ERROR,
      instructionEntrypointMultiple: ValidationSeverity.ERROR,
      instructionHealthcheckMultiple: ValidationSeverity.ERROR,
      instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
      instructionWorkdirRelative: ValidationSeverity.ERROR,
    };
    expect(validate(text, strict).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("the validator does catch a broken Dockerfile", () => {
    expect(validate('FROM node\nCMD ["node"]\nCMD ["node"]\nWORKDIR app\n').length).toBeGreaterThan(0);
  });

  it("builds from one pinned Node image, Node 20 or newer", () => {
    const froms = dockerfile.getFROMs();
    expect(froms).toHaveLength(1);
    const from = froms[0];
    const tag = from?.getImageTag() ?? "";
    expect(from?.getImageName()).toBe("node");
    // A full version, never `latest` or a bare major: the same Dockerfile builds the same Node.
    const m = /^(\d+)\.(\d+)\.(\d+)-alpine\d+\.\d+$/.exec(tag);
    expect(m, `node:${tag} is not pinned to a full version and an Alpine release`).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(20);
  });

  it("installs nothing at build time: the bundle is copied, never npm-installed", () => {
    const runs = instructions
      .filter((i) => i.getKeyword() === "RUN")
      .map((i) => i.getArgumentsContent() ?? "");
    for (const r of runs) expect(r).not.toMatch(/\b(npm|yarn|pnpm|npx)\b/);
    const copies = dockerfile.getCOPYs().map((c) => c.getArgumentsContent());
    expect(copies).toEqual(["rootfs/ /"]);
  });

  it("labels the image as the Supervisor expects", () => {
    const labels = instructions
      .filter((i) => i.getKeyword() === "LABEL")
      .flatMap((i) => i.getArguments().map((a) => a.getValue().split("=")[0]));
    for (const key of ["io.hass.name", "io.hass.type", "io.hass.version", "io.hass.arch"])
      expect(labels).toContain(key);
    expect(text).toMatch(/io\.hass\.version="\$\{BUILD_VERSION\}"/);
    expect(text).toMatch(/io\.hass\.arch="\$\{BUILD_ARCH\}"/);
  });

  it("runs node itself in exec form with the measured memory flags, under Docker's init", () => {
    const cmds = dockerfile.getCMDs();
    expect(cmds).toHaveLength(1);
    const argv = execForm(cmds[0]?.getArgumentsContent() ?? null);
    expect(argv, "CMD must be the exec form, so SIGTERM reaches node").toBeDefined();
    expect(argv?.[0]).toBe("node");
    // The same flags `npm start` uses, where README "Development" measures them.
    const startFlags = (packageJson.scripts.start ?? "").match(/--max-[a-z-]+=\d+/g) ?? [];
    expect(startFlags).toEqual(["--max-semi-space-size=2", "--max-old-space-size=256"]);
    expect(argv?.slice(1, -1)).toEqual(startFlags);
    expect(argv?.at(-1)).toBe("dist/main.js");
    // An ENTRYPOINT (a shell wrapper, s6) would sit between Docker's init and node.
    expect(dockerfile.getENTRYPOINTs()).toEqual([]);
    const workdir = instructions
      .filter((i) => i.getKeyword() === "WORKDIR")
      .map((i) => i.getArgumentsContent());
    expect(workdir).toEqual(["/app"]);
  });

  it("checks its health with a script that is in the image and executable", () => {
    const hc = dockerfile.getHEALTHCHECKs();
    expect(hc).toHaveLength(1);
    const flags = hc[0]?.getFlags().map((f) => f.getName()) ?? [];
    expect(flags).toContain("start-period");
    const args = hc[0]?.getArgumentsContent() ?? "";
    const argv = execForm(args.slice(args.indexOf("CMD") + 3).trim());
    expect(argv).toEqual(["/usr/local/bin/pve-backup-healthcheck"]);
    const script = join(addon, "rootfs", argv?.[0] ?? "");
    expect(statSync(script).mode & 0o111, `${script} is not executable`).not.toBe(0);
  });
});

/** Every shell script of the repository: by shebang under addon/rootfs, plus the CI and build scripts. */
function shellScripts(): string[] {
  const found: string[] = [join(root, ".ci/run")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (p === join(addon, "rootfs/app")) continue; // the assembled bundle
      if (statSync(p).isDirectory()) walk(p);
      else if (/^#!.*\b(sh|bash)\b/.test(readFileSync(p, "utf8").split("\n")[0] ?? "")) found.push(p);
    }
  };
  walk(join(addon, "rootfs"));
  for (const name of readdirSync(join(root, "scripts")))
    if (name.endsWith(".sh")) found.push(join(root, "scripts", name));
  return found;
}

describe("shell scripts", () => {
  it("finds the add-on's healthcheck among them", () => {
    expect(shellScripts()).toContain(join(addon, "rootfs/usr/local/bin/pve-backup-healthcheck"));
  });

  it("pass shellcheck (warnings and errors; install it with apt-get install shellcheck)", () => {
    const version = spawnSync("shellcheck", ["--version"]);
    expect(version.error, "shellcheck is not installed: apt-get install -y shellcheck").toBeUndefined();
    const out = spawnSync("shellcheck", ["--severity=warning", "--format=gcc", ...shellScripts()], {
      encoding: "utf8",
    });
    expect(out.stdout + out.stderr).toBe("");
    expect(out.status).toBe(0);
  });

  it("shellcheck does catch a bad script", () => {
    let failed = false;
    try {
      execFileSync("shellcheck", ["--severity=warning", "-"], {
        input: "#!/bin/sh\nrm -rf $1/*\n",
        stdio: "pipe",
      });
    } catch {
      // A non-zero exit is what shellcheck does with a finding.
      failed = true;
    }
    expect(failed).toBe(true);
  });
});
