import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { benchLab } from "../../bench/lab-gen.js";
import type { Options } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import { type SimLab, startSimLab } from "../../src/sim/lab.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { type AddonProcess, addon } from "../ha/addon.js";
import { freePort, type Hass, startHass, waitFor } from "../ha/hass.js";
import { logIn } from "../ha/users.js";
import { shiftScenario } from "./shift.js";

/**
 * The card's test stack: a real Home Assistant Core (test/ha/hass.ts) serving the real frontend,
 * the companion integration (which serves the card), the add-on connected to a simulated PVE lab,
 * and headless Chromium (Debian's `chromium`) driven by playwright-core.
 */

const root = join(import.meta.dirname, "../..");
export const SHOTS = join(root, "test-results/card");

/**
 * The real frontend is the `home-assistant-frontend` wheel that requirements-test.txt pins into
 * .venv (scripts/python-env.sh); without it Home Assistant serves no dashboard to test in.
 */
export function ensureFrontend(): void {
  try {
    execFileSync(join(root, ".venv/bin/python"), ["-c", "import hass_frontend"], { stdio: "ignore" });
  } catch {
    throw new Error("the venv has no home-assistant-frontend: run `bash scripts/python-env.sh` first");
  }
}

export interface Stack {
  hass: Hass;
  lab: SimLab;
  add: AddonProcess;
  options: Options;
  /** Replaces the lab and the add-on (same Home Assistant), e.g. with a larger lab. */
  replaceLab(scenario: Scenario, options: (lab: SimLab) => Options): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(
  scenario: Scenario,
  options: (lab: SimLab) => Options = (lab) => ({
    ...demoOptions(lab),
    timezone: "UTC",
    refresh_interval_s: 30,
  }),
): Promise<Stack> {
  if (!existsSync(join(root, "custom_components/pve_backup/frontend/pve-backup-card.js")))
    throw new Error("The card is not built: run `npm run build` first.");
  ensureFrontend();
  // The recorder and history: the card's sparkline reads a guest's archive sizes from them.
  const hass = await startHass({
    extraConfig: ["recorder:", "  commit_interval: 1", "  purge_keep_days: 30", "history:"],
  });
  // The harness onboards the API steps; the frontend also wants the last one done.
  const step = await fetch(`${hass.url}/api/onboarding/integration`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await logIn(hass.url, "test", "test-password-123")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ client_id: `${hass.url}/`, redirect_uri: `${hass.url}/?auth_callback=1` }),
  });
  if (!step.ok) throw new Error(`onboarding integration step: ${step.status} ${await step.text()}`);
  const stack: Stack = {
    hass,
    lab: undefined as unknown as SimLab,
    add: undefined as unknown as AddonProcess,
    options: undefined as unknown as Options,
    async replaceLab(next, opts) {
      await stack.add?.stop();
      await stack.lab?.stop();
      stack.lab = await startSimLab({ scenario: next, clock: "manual" });
      stack.options = opts(stack.lab);
      stack.add = addon(stack.options, hass, await freePort());
      await stack.add.start();
      await waitFor(
        async () => (await stack.add.bridge()).bridge?.mode === "integration",
        60_000,
        `the add-on did not connect (see ${stack.add.logFile})`,
      );
    },
    async stop() {
      await stack.add?.stop();
      await hass.stop();
      await stack.lab?.stop();
    },
  };
  await stack.replaceLab(scenario, options);
  return stack;
}

/** The bench lab's token (bench/lab-gen.ts). */
export const BENCH_TOKEN = { id: "root@pam!bench", secret: "11111111-2222-4333-8444-555555555555" };
/** Options beyond the cluster for the generated lab: its storage, no tiers. */
export const BIG_LAB_OPTIONS = { storage: "nas", tiers: [] };

/** A generated lab of `guests` guests whose times are now, and the add-on's options for it. */
export function bigLab(guests: number): { scenario: Scenario; options: (lab: SimLab) => Options } {
  return {
    scenario: shiftScenario(benchLab(guests, 1, 0), Date.now() - (Date.now() % 60_000)),
    options: (lab) => ({
      clusters: [
        {
          name: "home",
          url: lab.url,
          token_id: BENCH_TOKEN.id,
          token_secret: BENCH_TOKEN.secret,
          fingerprint: lab.fingerprint,
        },
      ],
      ...BIG_LAB_OPTIONS,
      timezone: "UTC",
      refresh_interval_s: 30,
    }),
  };
}

export { launchChromium } from "../support/chromium.js";

export interface PageOptions {
  dark?: boolean;
  width?: number;
  height?: number;
  phone?: boolean;
}

/** A page logged in as the test user without the login form: tokens where the frontend keeps them. */
export async function openPage(
  browser: Browser,
  hass: Hass,
  path: string,
  o: PageOptions = {},
): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({
    serviceWorkers: "block",
    viewport: { width: o.width ?? 1280, height: o.height ?? 900 },
    ...(o.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    colorScheme: o.dark ? "dark" : "light",
    reducedMotion: "reduce",
  });
  await context.addInitScript(
    ({ token, url, dark }) => {
      if (location.origin !== url) return;
      localStorage.setItem(
        "hassTokens",
        JSON.stringify({
          hassUrl: url,
          clientId: null,
          expires: Date.now() + 1e11,
          refresh_token: "",
          access_token: token,
          expires_in: 1e11,
        }),
      );
      localStorage.setItem("selectedTheme", JSON.stringify({ theme: "default", dark }));
    },
    { token: hass.token, url: hass.url, dark: o.dark === true },
  );
  // Rejections with a plain object (websocket errors) reach "pageerror" only as "Object".
  await context.addInitScript(() =>
    window.addEventListener("unhandledrejection", (e) => {
      if (!(e.reason instanceof Error)) console.error(`unhandled rejection: ${JSON.stringify(e.reason)}`);
    }),
  );
  const page = await context.newPage();
  const errors: string[] = [];
  // The frontend itself now and then leaves a websocket error unhandled (seen with "Object" and
  // nothing else); those are printed, not counted: the card catches its own calls.
  page.on("console", (m) => {
    if (m.type() === "error" && m.text().startsWith("unhandled rejection:")) console.warn(m.text());
  });
  // So does an error thrown inside the frontend's own bundles (seen: its theme code reading the
  // config before it has loaded); one whose first frame is the card's counts.
  page.on("pageerror", (e) => {
    const text = `${e.name}: ${e.message} ${e.stack?.slice(0, 400) ?? ""}`;
    const firstFrame = /\bat .*?\((https?:\/\/[^)]+)\)|\bat (https?:\/\/\S+)/.exec(e.stack ?? "");
    const where = firstFrame?.[1] ?? firstFrame?.[2] ?? "";
    if (e.message === "Object" || /\/frontend_(latest|es5)\//.test(where)) console.warn(`frontend: ${text}`);
    else errors.push(text);
  });
  // Only loopback requests count: after such an error the browser may look for the frontend's
  // source maps on the internet, which this machine cannot reach.
  page.on("requestfailed", (r) => {
    const line = `request failed: ${r.url()} ${r.failure()?.errorText}`;
    if (/^https?:\/\/127\.0\.0\.1[:/]/.test(r.url())) errors.push(line);
    else console.warn(line);
  });
  await page.goto(`${hass.url}${path}`);
  return { page, context, errors };
}

/** A storage dashboard holding `cards` in one sections view (or a panel view for one wide card). */
export async function saveDashboard(
  hass: Hass,
  urlPath: string,
  cards: Record<string, unknown>[],
  view: "sections" | "panel" | "masonry" = "sections",
): Promise<void> {
  const list = await hass.ws<{ id: string; url_path: string }[]>({ type: "lovelace/dashboards/list" });
  if (!list.some((d) => d.url_path === urlPath))
    await hass.ws({
      type: "lovelace/dashboards/create",
      url_path: urlPath,
      title: "Backups",
      mode: "storage",
      show_in_sidebar: true,
      require_admin: false,
    });
  const views =
    view === "sections"
      ? [{ title: "Backups", type: "sections", max_columns: 4, sections: [{ type: "grid", cards }] }]
      : view === "panel"
        ? [{ title: "Backups", type: "panel", cards }]
        : [{ title: "Backups", cards }];
  await hass.ws({ type: "lovelace/config/save", url_path: urlPath, config: { views } });
}

/** Row facts as the card shows them, read in the page through its open shadow root. */
export interface RowView {
  vmid: number;
  status: string;
  name: string;
  sub: string;
  age: string;
  busy: boolean;
}

export async function cardRows(page: Page, selector = "pve-backup-card"): Promise<RowView[]> {
  return page
    .locator(selector)
    .first()
    .evaluate((card) =>
      [...(card.shadowRoot?.querySelectorAll("li.row") ?? [])].map((li) => ({
        vmid: Number(li.getAttribute("data-vmid")),
        status: li.getAttribute("data-status") ?? "",
        name: li.querySelector(".name")?.textContent?.trim() ?? "",
        sub: li.querySelector(".sub")?.textContent?.replace(/\s+/g, " ").trim() ?? "",
        age: li.querySelector(".age")?.textContent?.trim() ?? "",
        busy: li.querySelector(".bar") !== null,
      })),
    );
}

/** Waits for the card to be defined, configured and fed by `hass`; fails on an error card. */
export async function waitForCard(page: Page, rows: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let errorSince: number | undefined;
  for (;;) {
    if (page.url().includes("/auth/authorize")) throw new Error("the stored tokens were refused");
    // The frontend shows a placeholder error card while the element is not defined yet (2 s);
    // one that stays means the card failed.
    const errorCard = page.locator("hui-error-card").first();
    const errorText = (await errorCard.isVisible().catch(() => false))
      ? await errorCard
          .evaluate((el) => el.shadowRoot?.textContent?.replace(/\s+/g, " ").trim() ?? "", undefined, {
            timeout: 500,
          })
          .catch(() => "")
      : undefined;
    errorSince = errorText === undefined ? undefined : (errorSince ?? Date.now());
    if (errorSince !== undefined && errorSince < Date.now() - 15_000) {
      await page.screenshot({ path: join(SHOTS, "failure.png") }).catch(() => undefined);
      const defined = await page.evaluate(() => customElements.get("pve-backup-card") !== undefined);
      throw new Error(
        `error card: ${errorText} (card element defined: ${defined}; see ${SHOTS}/failure.png)`,
      );
    }
    const n = await page
      .locator("pve-backup-card")
      .first()
      .evaluate((el) => el.shadowRoot?.querySelectorAll("li.row").length ?? -1, undefined, { timeout: 1_000 })
      .catch(() => -1);
    if (n >= rows) return;
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(SHOTS, "failure.png") }).catch(() => undefined);
      throw new Error(
        `the card shows ${n} rows, expected ${rows} (at ${page.url()}; see ${SHOTS}/failure.png)`,
      );
    }
    await page.waitForTimeout(250);
  }
}
