import type { Browser, BrowserContextOptions } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HA_THEME, launchChromium, rgb, screenshot, startIngressProxy, watchErrors } from "./browser.js";
import { buildPanelBundle, type PanelLab, READ_ONLY_TOKEN, startPanelLab } from "./harness.js";

let browser: Browser;
let bundlePath: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  bundlePath = buildPanelBundle();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function lab(scenario: string, token?: { id: string; secret: string }): Promise<PanelLab> {
  const l = await startPanelLab(scenario, { bundlePath, token });
  stops.push(l.stop);
  return l;
}

/** A page in a fresh context (light, 1280 px unless told), and the errors it reports. */
async function openPage(options: BrowserContextOptions = {}) {
  const context = await browser.newContext({
    colorScheme: "light",
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  stops.push(() => context.close());
  const page = await context.newPage();
  return { page, errors: watchErrors(page) };
}

const ownedJobs = (l: PanelLab) =>
  l.lab.state.jobs
    .filter((j) => j.id.startsWith("pve-backup-"))
    .map((j) => `${j.id}:${j.enabled ?? 1}`)
    .sort();

describe("the panel on loopback (npm start)", () => {
  it("applies the plan only after confirmation: Cancel changes nothing, Apply changes the lab's jobs", async () => {
    const l = await lab("seed");
    const { page, errors } = await openPage();
    await page.goto(`${l.url}#policy`);

    const diff = page.locator("[data-plan-cluster=home]");
    await expect
      .poll(() => diff.locator("[data-step=create]").allTextContents())
      .toEqual([
        "+ create pve-backup-p0",
        "+ create pve-backup-p1",
        "+ create pve-backup-p2",
        "+ create pve-backup-manual",
      ]);
    expect(ownedJobs(l)).toEqual([]);

    await page.getByRole("button", { name: "Apply…" }).click();
    const dialog = page.locator("[data-confirm]");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain("home: create pve-backup-p0");
    await screenshot(page, "policy-confirm-light");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(ownedJobs(l)).toEqual([]);

    await page.getByRole("button", { name: "Apply…" }).click();
    // A double click on Apply sends one request: the button is disabled while it runs.
    await dialog.getByRole("button", { name: "Apply", exact: true }).dblclick();
    await expect.poll(() => page.locator("[data-apply-result]").textContent()).toBe("Applied 4 change(s).");
    expect(ownedJobs(l)).toEqual([
      "pve-backup-manual:0",
      "pve-backup-p0:1",
      "pve-backup-p1:1",
      "pve-backup-p2:1",
    ]);
    await expect.poll(() => diff.textContent()).toContain("(jobs match the policy)");
    expect(await page.getByRole("button", { name: "Apply…" }).isDisabled()).toBe(true);
    await screenshot(page, "policy-applied-light");
    expect(errors).toEqual([]);
  });

  it("keeps what the user is typing in the filter when new data arrives", async () => {
    const l = await lab("tiered");
    const { page, errors } = await openPage();
    await page.goto(l.url);
    const search = page.getByLabel("Filter guests");
    await search.click();
    await page.keyboard.type("imm");
    const vmids = () =>
      page.locator("tr.pvb-guest").evaluateAll((els) => els.map((e) => e.getAttribute("data-vmid")));
    await expect.poll(vmids).toEqual(["101"]);
    // The periodic refresh, now.
    await page.evaluate(() =>
      (
        document.querySelector("pve-backup-panel") as unknown as { loadOverview(): Promise<void> }
      ).loadOverview(),
    );
    await page.keyboard.type("ich");
    expect(await search.inputValue()).toBe("immich");
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await vmids()).toEqual(["101"]);
    expect(errors).toEqual([]);
  });

  it("polls cheaply: an unchanged overview comes back as a 304 and the page keeps its data, with the new clock", async () => {
    const l = await lab("tiered");
    const { page, errors } = await openPage();
    const polls: number[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/api/panel/overview")) polls.push(r.status());
    });
    await page.goto(l.url);
    await expect.poll(() => page.locator("tr.pvb-guest").count()).toBe(5);
    await l.lab.advance(20_000);
    const poll = () =>
      page.evaluate(() =>
        (
          document.querySelector("pve-backup-panel") as unknown as { loadOverview(): Promise<void> }
        ).loadOverview(),
      );
    await poll();
    await poll();
    expect(polls).toEqual([200, 304, 304]);
    expect(await page.locator("tr.pvb-guest").count()).toBe(5);
    const now = await page.evaluate(
      () =>
        (document.querySelector("pve-backup-panel") as unknown as { overview: { now: string } }).overview.now,
    );
    expect(now).toBe(new Date(l.lab.nowMs()).toISOString());
    expect(errors).toEqual([]);
  });

  it("lists the read-only token's missing privileges with copyable pveum lines", async () => {
    const l = await lab("seed", READ_ONLY_TOKEN);
    const { page, errors } = await openPage({ colorScheme: "dark" });
    await page.goto(`${l.url}#doctor`);
    const lines = page.locator("[data-pveum]");
    await expect.poll(() => lines.count()).toBeGreaterThan(0);
    expect(await lines.allTextContents()).toContain(
      "pveum acl modify / --tokens 'monitor@pve!readonly' --roles PVEBackupPanel",
    );
    expect(await page.locator("[data-section=doctor]").textContent()).toContain("missing");
    await screenshot(page, "doctor-dark");
    expect(errors).toEqual([]);
  });
});

describe("the panel through the ingress path", () => {
  const PREFIX = "/api/hassio_ingress/Zx9-test_token";

  it("shows the tiered lab's night with P0 before P1, a task's log on click, and a guest's archives", async () => {
    const l = await lab("tiered");
    const proxy = await startIngressProxy(l.ingressUrl, PREFIX);
    stops.push(proxy.close);
    const { page, errors } = await openPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${proxy.url}#timeline`);

    const groups = page.locator(".pvb-tl-group");
    await expect.poll(() => groups.count()).toBeGreaterThan(1);
    expect(await page.locator("[data-night-shown]").getAttribute("data-night-shown")).toBe("2026-02-10");
    const tiers = await groups.evaluateAll((els) => els.map((e) => e.getAttribute("data-tier")));
    expect(tiers.slice(0, 2)).toEqual(["P0", "P1"]);
    const starts = async (tier: string) =>
      page
        .locator(`.pvb-tl-group[data-tier=${tier}] .pvb-bar`)
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    // The P0 task backed up its two guests one after the other: each bar is the guest's own part
    // (from the task log), the second starting where the first ended.
    const spans = (tier: string) =>
      page
        .locator(`.pvb-tl-group[data-tier=${tier}] .pvb-bar`)
        .evaluateAll((els) =>
          els.map((e) => [Number(e.getAttribute("data-start")), Number(e.getAttribute("data-end"))] as const),
        );
    await expect
      .poll(async () => new Set((await spans("P0")).map(([start]) => start)).size, { timeout: 10_000 })
      .toBe(2);
    const [first, second] = [...(await spans("P0"))].sort((a, b) => a[0] - b[0]);
    expect(second?.[0]).toBeGreaterThanOrEqual(first?.[1] as number);
    const p0 = await starts("P0");
    const p1 = await starts("P1");
    expect(p0).toHaveLength(2);
    expect(p1).toHaveLength(2);
    expect(Math.max(...p0)).toBeLessThan(Math.min(...p1));
    expect(requested.filter((p) => p.endsWith("/api/panel/task-guests")).length).toBeGreaterThan(0);
    await screenshot(page, "timeline-light");

    await page.locator(".pvb-tl-group[data-tier=P0] .pvb-bar").first().click();
    const log = page.locator("[data-log]");
    await expect.poll(() => log.textContent()).toContain("INFO: Starting Backup of VM 100 (qemu)");
    await page.getByRole("button", { name: "Close" }).click();

    await page.getByRole("tab", { name: "Guests" }).click();
    await page.getByLabel("Tier").selectOption("P1");
    const rows = page.locator("tr.pvb-guest");
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-vmid"))))
      .toEqual(["101", "105"]);
    await rows.first().click();
    const archives = page.locator("[data-storage=nas-backups] tr[data-volid]");
    await expect.poll(() => archives.count()).toBe(3);
    expect(await archives.first().getAttribute("data-volid")).toBe(
      "nas-backups:backup/vzdump-qemu-101-2026_02_10-03_15_02.vma.zst",
    );
    await screenshot(page, "guests-archives-light");

    // Every request stayed under the ingress path.
    expect(requested.every((p) => p.startsWith(`${PREFIX}/`))).toBe(true);
    expect(requested).toContain(`${PREFIX}/panel.js`);
    expect(errors).toEqual([]);
  });

  it("fits a 360 px phone in the dark, guests and timeline", async () => {
    const l = await lab("tiered");
    const proxy = await startIngressProxy(l.ingressUrl, PREFIX);
    stops.push(proxy.close);
    const { page, errors } = await openPage({
      colorScheme: "dark",
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(proxy.url);
    const guests = (await (await fetch(`${l.url}api/panel/overview`)).json()) as { guests: unknown[] };
    expect(guests.guests.length).toBeGreaterThan(4);
    await expect.poll(() => page.locator("tr.pvb-guest").count()).toBe(guests.guests.length);
    const bg = await page.locator("pve-backup-panel").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe("rgb(17, 17, 17)");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "guests-360-dark");
    await page.getByRole("tab", { name: "Timeline" }).click();
    await expect.poll(() => page.locator(".pvb-bar").count()).toBeGreaterThan(0);
    await screenshot(page, "timeline-360-dark");
    expect(errors).toEqual([]);
  });

  it("takes Home Assistant's theme from the frontend around it", async () => {
    const l = await lab("tiered");
    const proxy = await startIngressProxy(l.ingressUrl, PREFIX);
    stops.push(proxy.close);
    const { page, errors } = await openPage();
    await page.goto(new URL("/ha.html", proxy.url).href);
    const panel = page.frameLocator("iframe").locator("pve-backup-panel");
    await expect.poll(() => panel.locator("tr.pvb-guest").count()).toBeGreaterThan(0);
    const look = await panel.evaluate((el) => ({
      ha: el.hasAttribute("data-ha"),
      background: getComputedStyle(el).backgroundColor,
      text: getComputedStyle(el).color,
      card: getComputedStyle(el.querySelector(".pvb-card") as Element).backgroundColor,
    }));
    expect(look).toEqual({
      ha: true,
      background: HA_THEME["--primary-background-color"],
      text: HA_THEME["--primary-text-color"],
      card: HA_THEME["--card-background-color"],
    });
    await screenshot(page, "guests-in-ha-theme");
    expect(errors).toEqual([]);
  });

  it("follows tonight's run as it happens: P0 at 03:00, then P1 at 03:15", async () => {
    const l = await lab("tiered");
    const proxy = await startIngressProxy(l.ingressUrl, PREFIX);
    stops.push(proxy.close);
    await l.lab.advance(16 * 60_000);
    await l.deps.refreshNow();
    const { page, errors } = await openPage();
    await page.goto(`${proxy.url}#timeline`);
    await expect
      .poll(() => page.locator("[data-night-shown]").getAttribute("data-night-shown"))
      .toBe("2026-02-11");
    const read = () =>
      page.locator(".pvb-bar").evaluateAll((els) =>
        els.map((e) => ({
          tier: e.closest(".pvb-tl-group")?.getAttribute("data-tier"),
          start: Number(e.getAttribute("data-start")),
          running: e.classList.contains("running"),
        })),
      );
    // P0's task started at 03:00; its guests' bars start one after the other inside it.
    await expect
      .poll(async () => new Set((await read()).filter((b) => b.tier === "P0").map((b) => b.start)).size)
      .toBe(2);
    const bars = await read();
    const p0 = bars.filter((b) => b.tier === "P0").sort((a, b) => a.start - b.start);
    const p1 = bars.filter((b) => b.tier === "P1");
    expect(p0[0]?.start).toBeGreaterThanOrEqual(Date.parse("2026-02-11T03:00:00Z"));
    expect(p0[0]?.start).toBeLessThan(Date.parse("2026-02-11T03:01:00Z"));
    expect(p0[1]?.start).toBeGreaterThan(p0[0]?.start as number);
    expect(p1.length).toBeGreaterThan(0);
    expect(Math.max(...p0.map((b) => b.start))).toBeLessThan(Math.min(...p1.map((b) => b.start)));
    await screenshot(page, "timeline-tonight-light");
    expect(errors).toEqual([]);
  });
});

describe("the panel's 3-2-1 copies, last checks and the NAS side", () => {
  const at = (iso: string) => Date.parse(iso);
  /** Hyper Backup copies /volume1/backups off the NAS; it last succeeded before most archives. */
  const TASK = {
    task_id: 1,
    name: "Backups to C2",
    state: "backupable",
    status: "none",
    last_bkp_result: "done",
    last_bkp_error: "",
    lastRunMs: at("2026-02-05T05:00:00Z"),
    lastEndMs: at("2026-02-05T05:40:00Z"),
    lastSuccessMs: at("2026-02-05T05:00:00Z"),
    nextRunMs: at("2026-02-11T05:00:00Z"),
    type: "image:image_remote",
    folders: ["/volume1/backups"],
  };
  /** 100's newest archive failed its full check; 102's passed and it was test-restored; the rest never. */
  const LEDGER = {
    version: 1 as const,
    lastVerified: {
      home_100: {
        time: "2026-02-10T06:00:00.000Z",
        depth: "full" as const,
        result: "failed" as const,
        durationMs: 5_000,
        message: "zstd: the frame is truncated at 1.2 GB",
        volid: "nas-backups:backup/vzdump-qemu-100-2026_02_10-03_00_02.vma.zst",
      },
      home_102: {
        time: "2026-02-09T02:00:00.000Z",
        depth: "full" as const,
        result: "ok" as const,
        durationMs: 5_000,
        message: "",
        volid: "nas-backups:backup/vzdump-qemu-102-2026_02_08-03_01_02.vma.zst",
      },
    },
    lastTestRestore: {
      // A message is text, never markup.
      home_101: {
        time: "2026-02-10T04:00:00.000Z",
        result: "failed" as const,
        durationMs: 300_000,
        message: '<img src=x onerror="window.pvbPwned=1">',
        volid: "nas-backups:backup/vzdump-qemu-101-2026_02_10-03_15_02.vma.zst",
      },
      home_102: {
        time: "2026-02-08T04:00:00.000Z",
        result: "ok" as const,
        durationMs: 90_000,
        message: "",
        volid: "nas-backups:backup/vzdump-qemu-102-2026_02_08-03_01_02.vma.zst",
      },
    },
    run: null,
  };

  it("says each guest's copies and last check in the card's words and colours, lists the Hyper Backup tasks and the share's space, and turns unknown (never ok) once DSM cannot be read", async () => {
    const l = await startPanelLab("tiered", { bundlePath, nas: { tasks: [TASK] }, ledger: LEDGER });
    stops.push(l.stop);
    const { page, errors } = await openPage();
    await page.goto(l.url);
    await expect.poll(() => page.locator("tr.pvb-guest").count()).toBe(5);
    const cell = (vmid: number, col: string) =>
      page
        .locator(`tr.pvb-guest[data-vmid="${vmid}"] td[data-col=${col}]`)
        .evaluate((td) => td.textContent?.replace(/\s+/g, " ").trim());
    const tones = (vmid: number, tone: string) =>
      page
        .locator(`tr.pvb-guest[data-vmid="${vmid}"] td[data-col] .pvb-tone-${tone}`)
        .evaluateAll((els) =>
          els.map((el) => [el.textContent, getComputedStyle(el).color, getComputedStyle(el).boxShadow]),
        );
    const vars = await page.locator("pve-backup-panel").evaluate((el) => ({
      err: getComputedStyle(el).getPropertyValue("--pvb-err").trim(),
      muted: getComputedStyle(el).getPropertyValue("--pvb-muted").trim(),
      warn: getComputedStyle(el).getPropertyValue("--pvb-warn").trim(),
    }));

    expect(await cell(100, "copies")).toBe("3 on PVE · 3 on the NAS · off-NAS: no");
    expect(await cell(103, "copies")).toBe("3 on PVE · 3 on the NAS · off-NAS: yes, 6 days ago");
    expect(await cell(100, "check")).toBe(
      "Check failed: zstd: the frame is truncated at 1.2 GB · 21 h ago · full check",
    );
    expect(await cell(102, "check")).toBe("Verified 2 days ago · full check · OKTest restore OK 3 days ago");
    expect(await cell(101, "check")).toBe(
      'Never verifiedTest restore failed: <img src=x onerror="window.pvbPwned=1"> · 23 h ago',
    );
    expect(await page.evaluate(() => (window as unknown as { pvbPwned?: number }).pvbPwned)).toBeUndefined();
    expect(await page.locator("td[data-col=check] img").count()).toBe(0);
    expect(await tones(100, "error")).toEqual([
      ["Check failed: zstd: the frame is truncated at 1.2 GB", rgb(vars.err), "none"],
    ]);
    const warn = await tones(100, "warn");
    expect(warn.map((w) => w[0])).toEqual(["off-NAS: no"]);
    expect(warn[0]?.[2]).toContain(rgb(vars.warn));
    expect((await tones(101, "muted"))[0]).toEqual(["Never verified", rgb(vars.muted), "none"]);

    // The NAS: its task, when it ran and runs next, the share's space and forecast, the findings.
    const nas = page.locator("[data-section=nas]");
    const task = nas.locator('tr[data-task="Backups to C2"]');
    expect(await task.locator("[data-health]").textContent()).toBe("ok");
    expect((await task.textContent())?.replace(/\s+/g, " ")).toContain(
      "2026-02-05 05:006 days ago2026-02-11 05:00in 2 h",
    );
    expect(await nas.locator("[data-nas-space]").textContent()).toMatch(
      /^Share backups: [\d.]+TB free of [\d.]+TBForecast: /,
    );
    expect(await nas.locator("li[data-covered]").first().textContent()).toMatch(
      /\/volume1\/backups.*: covered by Hyper Backup task Backups to C2, last success 6 days ago$/,
    );
    await screenshot(page, "guests-checks-light");
    // The status filter picks the guests whose check failed, or with nothing off the NAS.
    const shown = () =>
      page.locator("tr.pvb-guest").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-vmid"))));
    await page.getByLabel("Status").selectOption("check_failed");
    await expect.poll(shown).toEqual([100]);
    await page.getByLabel("Status").selectOption("no_off_nas");
    await expect.poll(shown).toEqual([100, 101, 102, 105]);
    await page.getByLabel("Status").selectOption("all");
    await expect.poll(shown).toEqual([100, 101, 102, 103, 105]);

    // DSM goes away: the next read says so, each guest's off-NAS copy is unknown, the poll gets it.
    const polls: number[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/api/panel/overview")) polls.push(r.status());
    });
    await l.dsm?.stop();
    await l.deps.refreshNow();
    await expect
      .poll(
        async () => {
          await page.evaluate(() =>
            (
              document.querySelector("pve-backup-panel") as unknown as { loadOverview(): Promise<void> }
            ).loadOverview(),
          );
          return cell(100, "copies");
        },
        { timeout: 20_000 },
      )
      .toBe("3 on PVE · 3 on the NAS · off-NAS: unknown (the NAS's Hyper Backup tasks could not be read)");
    expect(polls).toContain(200);
    expect(await tones(103, "ok")).toEqual([]);
    expect(await tones(103, "muted")).toEqual([
      ["off-NAS: unknown (the NAS's Hyper Backup tasks could not be read)", rgb(vars.muted), "none"],
      ["Never verified", rgb(vars.muted), "none"],
    ]);
    expect(await nas.locator("[data-nas-error]").textContent()).toMatch(/^DSM could not be read/);
    await screenshot(page, "guests-checks-dsm-down-light");
    expect(errors).toEqual([]);
  });

  it("shows the same in the dark on a 360 px phone, and no NAS section or check words without them", async () => {
    const l = await startPanelLab("tiered", { bundlePath, nas: { tasks: [TASK] }, ledger: LEDGER });
    stops.push(l.stop);
    const { page, errors } = await openPage({
      colorScheme: "dark",
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(l.url);
    await expect.poll(() => page.locator("tr.pvb-guest").count()).toBe(5);
    expect(await page.locator("[data-section=nas]").count()).toBe(1);
    const overflow = await page.evaluate(() => {
      const guests = document.querySelector("[data-section=guests]") as HTMLElement;
      return {
        page: document.documentElement.scrollWidth - window.innerWidth,
        table: guests.scrollWidth - guests.clientWidth,
      };
    });
    expect(overflow.page).toBeLessThanOrEqual(0);
    expect(overflow.table).toBeLessThanOrEqual(0);
    // The columns are too wide for a phone: the row is marked under the name, the words are in its detail.
    const row = page.locator('tr.pvb-guest[data-vmid="100"]');
    expect(await row.locator("[data-mark]").allTextContents()).toEqual(["check failed", "no off-NAS copy"]);
    expect(await page.locator('tr.pvb-guest[data-vmid="103"] [data-mark]').count()).toBe(0);
    await row.click();
    const detail = page.locator("tr.pvb-detail");
    await expect
      .poll(() => detail.locator("[data-detail=copies]").textContent())
      .toBe("Copies (3-2-1): 3 on PVE · 3 on the NAS · off-NAS: no");
    expect(await detail.locator("[data-detail=check]").textContent()).toBe(
      "Last check: Check failed: zstd: the frame is truncated at 1.2 GB · 21 h ago · full check",
    );
    await screenshot(page, "guests-checks-360-dark");

    // A service without the NAS or verification configured: the columns say "–", no NAS section.
    const plain = await lab("tiered");
    await page.goto(plain.url);
    await expect.poll(() => page.locator("tr.pvb-guest").count()).toBe(5);
    expect(await page.locator("[data-section=nas]").count()).toBe(0);
    expect(await page.locator("select[data-filter=status] option[value=check_failed]").count()).toBe(0);
    expect(
      await page
        .locator("td[data-col=copies], td[data-col=check]")
        .evaluateAll((tds) => [...new Set(tds.map((td) => td.textContent?.trim()))]),
    ).toEqual(["–"]);
    expect(errors).toEqual([]);
  });
});
