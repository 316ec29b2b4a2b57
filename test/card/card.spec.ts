import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../ha/hass.js";
import { rgb } from "../panel/browser.js";
import { statusOf } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import {
  BENCH_TOKEN,
  BIG_LAB_OPTIONS,
  bigLab,
  cardRows,
  launchChromium,
  openPage,
  SHOTS,
  type Stack,
  saveDashboard,
  startStack,
  waitForCard,
} from "./stack.js";

/**
 * The card in the real frontend of Home Assistant 2025.1.4, delivered by the companion integration
 * (no dashboard resource is added), fed by the add-on watching the simulated PVE lab.
 */

let stack: Stack;
let browser: Browser;
const CARD = { type: "custom:pve-backup-card", title: "Backups" };
const nowIso = () => new Date(Date.now() - (Date.now() % 60_000)).toISOString();

const shot = (page: Page, name: string) =>
  page
    .locator("pve-backup-card")
    .first()
    .screenshot({ path: join(SHOTS, `${name}.png`), animations: "disabled" });

const rowOf = (page: Page, vmid: number) => page.locator(`pve-backup-card li.row[data-vmid="${vmid}"]`);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack(tieredLab({ now: nowIso() }));
  browser = await launchChromium();
  await saveDashboard(stack.hass, "pve-test", [CARD]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe.sequential("pve-backup-card in the real Home Assistant frontend", () => {
  it("shows every guest with the status `pve-backup status --json` gives", async () => {
    const cli = await statusOf(stack.lab);
    const want = cli.json.guests
      .map((g) => ({ vmid: g.vmid, status: g.status }))
      .sort((a, b) => a.vmid - b.vmid);
    expect(want.length).toBeGreaterThan(0);
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, want.length);
    const rows = await cardRows(page);
    expect(rows.map((r) => ({ vmid: r.vmid, status: r.status })).sort((a, b) => a.vmid - b.vmid)).toEqual(
      want,
    );
    // Status in words, not only in colour.
    for (const r of rows) expect(r.sub.length).toBeGreaterThan(0);
    // The stub config the card picker uses finds the product's cluster in the real registries.
    const stub = await page.evaluate(() => {
      const app = document.querySelector("home-assistant") as unknown as { hass: unknown };
      const card = customElements.get("pve-backup-card") as unknown as { getStubConfig(h: unknown): unknown };
      return card.getStubConfig(app.hass);
    });
    expect(stub).toMatchObject({ type: "custom:pve-backup-card", cluster: "home" });
    await shot(page, "card-light");
    // A tap on a guest opens Home Assistant's more-info dialog of its status entity.
    await rowOf(page, want[0]?.vmid as number)
      .locator("button.main")
      .click();
    await page.locator("ha-more-info-dialog").first().waitFor({ state: "attached", timeout: 15_000 });
    await expect.poll(() => page.locator("ha-more-info-dialog ha-dialog[open]").count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe.sequential("pve-backup-card: archive sizes and Home Assistant's backups", () => {
  it("reads a guest's archive sizes only when its row is expanded, as a sparkline; says when there are none", async () => {
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, 5);
    // Every websocket command the page sends from now on, as the frontend's connection sends it.
    await page.evaluate(() => {
      const w = window as unknown as { pvbSent: string[] };
      w.pvbSent = [];
      const app = document.querySelector("home-assistant") as unknown as {
        hass: { connection: { sendMessagePromise(m: unknown): Promise<unknown> } };
      };
      const conn = app.hass.connection;
      const send = conn.sendMessagePromise.bind(conn);
      conn.sendMessagePromise = (m: unknown) => {
        w.pvbSent.push(JSON.stringify(m));
        return send(m);
      };
    });
    const historyCalls = async () =>
      (await page.evaluate(() => (window as unknown as { pvbSent: string[] }).pvbSent)).filter((m) =>
        m.includes("history/history_during_period"),
      );
    // The size sensors of a backed-up guest and of one never backed up, as the card found them.
    const cli = await statusOf(stack.lab);
    const sized = cli.json.guests.find((g) => g.status === "ok");
    // Another guest: its sensor has at most one size recorded (or none, never backed up).
    const never =
      cli.json.guests.find((g) => g.status === "never") ??
      cli.json.guests.find((g) => g.vmid !== sized?.vmid);
    expect(never && sized).toBeTruthy();
    const sizeEntity = await page.locator("pve-backup-card").evaluate((card, vmid) => {
      const c = card as unknown as {
        _cat: { guests: { vmid: number; entities: { backup_size?: string } }[] };
      };
      return c._cat.guests.find((g) => g.vmid === vmid)?.entities.backup_size;
    }, sized?.vmid as number);
    expect(sizeEntity).toMatch(/^sensor\./);
    // Three nights of archive sizes in the recorder (the integration's own state stays the last).
    const current = (
      await stack.hass.rest<{ state: string; attributes: object }>("GET", `/api/states/${sizeEntity}`)
    ).body;
    for (const bytes of ["1800000000", "2100000000", "1950000000", current.state])
      await stack.hass.rest("POST", `/api/states/${sizeEntity}`, {
        state: bytes,
        attributes: current.attributes,
      });
    await waitFor(
      async () => {
        const h = await stack.hass.ws<Record<string, { s: string }[]>>({
          type: "history/history_during_period",
          start_time: new Date(Date.now() - 86_400_000).toISOString(),
          entity_ids: [sizeEntity],
          minimal_response: true,
          no_attributes: true,
          significant_changes_only: false,
        });
        return new Set(h[sizeEntity as string]?.map((x) => x.s)).size >= 4;
      },
      30_000,
      "the recorder did not record the sizes",
    );
    await page.waitForTimeout(500);
    expect(await historyCalls()).toEqual([]);

    const expand = rowOf(page, sized?.vmid as number).locator("button.expand");
    await expand.click();
    expect(await expand.getAttribute("aria-expanded")).toBe("true");
    const spark = rowOf(page, sized?.vmid as number).locator(".detail svg.spark");
    await expect
      .poll(() => spark.getAttribute("data-points").catch(() => null), { timeout: 20_000 })
      .toBe("5");
    // The sensor's first state, then the four posted: five sizes, each one point.
    expect(await spark.locator("polyline").getAttribute("points")).toMatch(/^(\d+\.\d,\d+\.\d ?){5}$/);
    // Drawn as SVG (a line with a size on screen), not an unknown HTML element.
    expect(
      await spark
        .locator("polyline")
        .evaluate((el) => ({ ns: el.namespaceURI, drawn: el.getBoundingClientRect().width > 50 })),
    ).toEqual({ ns: "http://www.w3.org/2000/svg", drawn: true });
    expect(
      await rowOf(page, sized?.vmid as number)
        .locator(".detail")
        .textContent(),
    ).toMatch(/ – .* · 5 sizes/);
    expect(await historyCalls()).toHaveLength(1);
    expect((await historyCalls())[0]).toContain(sizeEntity);
    await shot(page, "card-expanded");

    // A guest with one size or none: said in words.
    await rowOf(page, never?.vmid as number)
      .locator("button.expand")
      .click();
    await expect
      .poll(
        () =>
          rowOf(page, never?.vmid as number)
            .locator(".detail")
            .textContent(),
        { timeout: 20_000 },
      )
      .toMatch(/No archive sizes recorded yet|one size so far/);
    // Closing and opening again with no new size reads nothing more.
    await expand.click();
    await expand.click();
    await expect.poll(() => spark.getAttribute("data-points").catch(() => null)).toBe("5");
    expect(await historyCalls()).toHaveLength(2);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows Home Assistant's backups once their entities exist, and their problem first in words", async () => {
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, 5);
    const ha = page.locator("pve-backup-card li.ha-row");
    expect(await ha.count()).toBe(0);
    const lastIso = new Date(Date.now() - 5 * 3_600_000).toISOString();
    await stack.hass.rest("POST", "/api/states/sensor.pve_backup_ha_backup_last", {
      state: lastIso,
      attributes: {
        device_class: "timestamp",
        size_bytes: 734_000_000,
        agent: "nas",
        name: "Automatic backup",
      },
    });
    await stack.hass.rest("POST", "/api/states/binary_sensor.pve_backup_ha_backup_problem", {
      state: "off",
      attributes: { device_class: "problem" },
    });
    await stack.hass.rest("POST", "/api/states/sensor.pve_backup_ha_backup_verification", {
      state: "failed",
      attributes: { message: "the archive's sha256 differs from the one Home Assistant wrote" },
    });
    await expect
      .poll(() => ha.getAttribute("data-status").catch(() => null), { timeout: 20_000 })
      .toBe("failed");
    const text = (await ha.textContent())?.replace(/\s+/g, " ") ?? "";
    expect(text).toContain("Home Assistant backups");
    expect(text).toContain("Check failed");
    expect(text).toContain("sha256 differs");
    expect(text).toMatch(/5 hours ago/);
    expect(text).toContain("734 MB");
    await shot(page, "card-ha-backup-failed");
    await stack.hass.rest("POST", "/api/states/sensor.pve_backup_ha_backup_verification", {
      state: "ok",
      attributes: {},
    });
    await expect.poll(() => ha.getAttribute("data-status")).toBe("ok");
    expect((await ha.textContent())?.replace(/\s+/g, " ")).toContain("verified");
    // The guests' rows are unchanged by the extra row.
    expect((await cardRows(page)).length).toBe((await statusOf(stack.lab)).json.guests.length);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** A guest's entity id of one kind, as the card found it through the registries. */
const entityOf = (page: Page, vmid: number, key: string) =>
  page.locator("pve-backup-card").evaluate(
    (card, [v, k]) => {
      const c = card as unknown as {
        _cat: { guests: { vmid: number; entities: Record<string, string | undefined> }[] };
      };
      return c._cat.guests.find((g) => g.vmid === v)?.entities[k as string];
    },
    [vmid, key] as const,
  );

/** The row's text, its markers and the colours its phrases are drawn in, read in the page. */
const rowChecks = (page: Page, vmid: number) =>
  rowOf(page, vmid).evaluate((li) => {
    const text = (sel: string) => li.querySelector(sel)?.textContent?.replace(/\s+/g, " ").trim() ?? null;
    const look = (sel: string) =>
      [...li.querySelectorAll(sel)].map((el) => {
        const s = getComputedStyle(el);
        return {
          text: el.textContent?.trim(),
          color: s.color,
          background: s.backgroundColor,
          shadow: s.boxShadow,
        };
      });
    return {
      marks: [...li.querySelectorAll("[data-mark]")].map((m) => m.getAttribute("data-mark")),
      label: li.querySelector("button.main")?.getAttribute("aria-label"),
      copies: text("[data-fact=copies]"),
      verification: text("[data-fact=verification]"),
      error: look(".detail span.tone-error"),
      warn: look(".detail span.tone-warn"),
      muted: look(".detail span.tone-muted"),
      ok: look(".detail span.tone-ok"),
      theme: {
        error: getComputedStyle(li).getPropertyValue("--pvb-error").trim(),
        warn: getComputedStyle(li).getPropertyValue("--pvb-warn").trim(),
        muted: getComputedStyle(li).getPropertyValue("--secondary-text-color").trim(),
      },
    };
  });

describe.sequential("pve-backup-card: 3-2-1 copies and the last verification", () => {
  it("says per guest how many copies live where and what the last check found, in words and colours; shows nothing for an add-on that publishes neither", async () => {
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, 5);
    /** The last-backup sensor's own attributes, minus the checks, plus `extra`. */
    const setChecks = async (vmid: number, extra: Record<string, unknown>) => {
      const id = await entityOf(page, vmid, "last_backup");
      expect(id).toMatch(/^sensor\./);
      const cur = (
        await stack.hass.rest<{ state: string; attributes: Record<string, unknown> }>(
          "GET",
          `/api/states/${id}`,
        )
      ).body;
      const attributes = Object.fromEntries(
        Object.entries(cur.attributes).filter(([k]) => !/^(last_verified|copies_|off_nas)/.test(k)),
      );
      await stack.hass.rest("POST", `/api/states/${id}`, {
        state: cur.state,
        attributes: { ...attributes, ...extra },
      });
    };
    // 100: its check failed and nothing is off the NAS; 102: all good; 103: never verified, the
    // NAS could not tell; 105: an add-on that publishes neither (the attributes are absent).
    await setChecks(100, {
      last_verified: hoursAgo(5),
      last_verified_result: "failed",
      last_verified_depth: "full",
      last_verified_message: "zstd: the frame is truncated at 1.2 GB",
      copies_pve: 3,
      copies_nas: 3,
      off_nas: "no",
      off_nas_time: null,
    });
    await setChecks(102, {
      last_verified: hoursAgo(50),
      last_verified_result: "ok",
      last_verified_depth: "full",
      copies_pve: 3,
      copies_nas: 3,
      off_nas: "yes",
      off_nas_time: hoursAgo(9),
    });
    await setChecks(103, {
      last_verified: null,
      last_verified_result: null,
      last_verified_depth: null,
      copies_pve: 2,
      copies_nas: null,
      off_nas: "unknown",
      off_nas_time: null,
    });
    await setChecks(105, {});

    // Collapsed: a marker only where a check failed or nothing is off the NAS, said in the label too.
    await expect
      .poll(async () => (await rowChecks(page, 100)).marks, { timeout: 20_000 })
      .toEqual(["check-failed", "no-off-nas"]);
    expect((await rowChecks(page, 100)).label).toMatch(/last check failed, no copy off the NAS$/);
    for (const vmid of [102, 103, 105]) expect((await rowChecks(page, vmid)).marks).toEqual([]);

    for (const vmid of [100, 102, 103, 105]) await rowOf(page, vmid).locator("button.expand").click();
    await expect
      .poll(async () => (await rowChecks(page, 100)).verification)
      .toBe("Check failed: zstd: the frame is truncated at 1.2 GB · 5 h ago · full check");
    const failed = await rowChecks(page, 100);
    expect(failed.copies).toBe("3 on PVE · 3 on the NAS · off-NAS: no");
    // Red for the failed check; the warning colour (as a tinted mark) for no off-NAS copy.
    expect(failed.theme.error).toBe("#db4437");
    expect(failed.error.map((e) => [e.text, e.color])).toEqual([
      ["Check failed: zstd: the frame is truncated at 1.2 GB", rgb(failed.theme.error)],
    ]);
    expect(failed.warn.map((w) => w.text)).toEqual(["off-NAS: no"]);
    expect(failed.warn[0]?.shadow).toContain(rgb(failed.theme.warn));
    expect(failed.warn[0]?.background).not.toBe("rgba(0, 0, 0, 0)");

    const good = await rowChecks(page, 102);
    expect(good.copies).toBe("3 on PVE · 3 on the NAS · off-NAS: yes, 9 h ago");
    expect(good.verification).toBe("Verified 2 days ago · full check · OK");
    expect(good.error).toEqual([]);
    expect(good.warn).toEqual([]);
    expect(good.ok.map((o) => o.text)).toEqual(["off-NAS: yes, 9 h ago", "OK"]);

    // Unknown is greyed, never shown as ok.
    const unknown = await rowChecks(page, 103);
    expect(unknown.copies).toBe("2 on PVE · on the NAS: unknown · off-NAS: unknown");
    expect(unknown.verification).toBe("Never verified");
    expect(unknown.ok).toEqual([]);
    expect(unknown.muted.map((m) => [m.text, m.color])).toEqual([
      ["on the NAS: unknown", rgb(unknown.theme.muted)],
      ["off-NAS: unknown", rgb(unknown.theme.muted)],
      ["Never verified", rgb(unknown.theme.muted)],
    ]);

    // Attributes absent: the row opens as before, with its sizes and no check lines.
    const absent = await rowChecks(page, 105);
    expect(absent).toMatchObject({ copies: null, verification: null, marks: [] });
    await expect
      .poll(() => rowOf(page, 105).locator(".detail .sizes").textContent(), { timeout: 20_000 })
      .toMatch(/size|Loading/);
    await shot(page, "card-checks-light");
    expect(errors).toEqual([]);
    await context.close();

    // The same rows in the dark theme and on a 360 px phone: readable, nothing overflows.
    for (const variant of [
      { name: "card-checks-dark", o: { dark: true } },
      { name: "card-checks-phone-360", o: { width: 360, height: 900, phone: true } },
    ]) {
      const v = await openPage(browser, stack.hass, "/pve-test/0", variant.o);
      await waitForCard(v.page, 5);
      for (const vmid of [100, 102, 103]) await rowOf(v.page, vmid).locator("button.expand").click();
      await expect.poll(async () => (await rowChecks(v.page, 100)).verification).toMatch(/^Check failed/);
      const fit = await v.page.locator("pve-backup-card").evaluate((card) => {
        const box = card.getBoundingClientRect();
        const inside = [...(card.shadowRoot?.querySelectorAll(".fact, .mark") ?? [])].every(
          (el) => el.getBoundingClientRect().right <= box.right + 0.5,
        );
        return {
          inside,
          overflow: [...(card.shadowRoot?.querySelectorAll("li.row") ?? [])].some(
            (li) => li.scrollWidth > li.clientWidth + 1,
          ),
        };
      });
      expect(fit).toEqual({ inside: true, overflow: false });
      const dark = await rowChecks(v.page, 100);
      expect(dark.error[0]?.color).toBe(rgb(dark.theme.error));
      await shot(v.page, variant.name);
      expect(v.errors).toEqual([]);
      await v.context.close();
    }
  });
});

/** Move the lab's clock in steps until `check` holds (tasks progress with it). */
async function runLabUntil(check: () => Promise<boolean>, message: string): Promise<void> {
  await waitFor(
    async () => {
      await stack.lab.advance(10_000);
      return check();
    },
    90_000,
    message,
    250,
  );
}

describe.sequential("pve-backup-card: themes, phone width, Back up now, editor, 200 guests", () => {
  it("renders in the dark theme and fits a 360 px phone screen", async () => {
    const dark = await openPage(browser, stack.hass, "/pve-test/0", { dark: true });
    await waitForCard(dark.page, 5);
    const bg = await dark.page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue("--primary-background-color").trim(),
    );
    expect(bg).toBe("#111111");
    await shot(dark.page, "card-dark");
    expect(dark.errors).toEqual([]);
    await dark.context.close();

    const phone = await openPage(browser, stack.hass, "/pve-test/0", {
      width: 360,
      height: 780,
      phone: true,
    });
    await waitForCard(phone.page, 5);
    const fit = await phone.page.locator("pve-backup-card").evaluate((card) => {
      const box = card.getBoundingClientRect();
      const buttons = [...(card.shadowRoot?.querySelectorAll("button.act") ?? [])].map((b) =>
        b.getBoundingClientRect(),
      );
      return {
        right: box.right,
        overflow: [...(card.shadowRoot?.querySelectorAll("li.row") ?? [])].some(
          (li) => li.scrollWidth > li.clientWidth + 1,
        ),
        buttonsInside: buttons.every((b) => b.right <= box.right && b.width >= 36),
      };
    });
    expect(fit.right).toBeLessThanOrEqual(360);
    expect(fit).toMatchObject({ overflow: false, buttonsInside: true });
    await shot(phone.page, "card-phone-360");
    await phone.context.close();
  });

  it("Back up now asks first, then starts exactly one vzdump; the row shows running, then the new age", async () => {
    const vmid = 101;
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, 5);
    const before = stack.lab.state.tasks.length;
    const ageBefore = (await cardRows(page)).find((r) => r.vmid === vmid)?.age;

    // Asked first: cancel starts nothing.
    await rowOf(page, vmid).locator("button.act").click();
    const dialog = page.locator("pve-backup-card dialog[open]");
    await expect.poll(() => dialog.count()).toBe(1);
    expect(await dialog.textContent()).toContain("Back up immich now?");
    await shot(page, "card-confirm");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    await page.waitForTimeout(1_000);
    expect(stack.lab.state.tasks.length).toBe(before);

    // By keyboard: the button takes focus, Enter opens, the confirm button has focus, Enter presses.
    await rowOf(page, vmid).locator("button.act").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.count()).toBe(1);
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.count()).toBe(0);
    // A second click while it starts does nothing: the button is disabled.
    expect(await rowOf(page, vmid).locator("button.act").isDisabled()).toBe(true);
    await waitFor(() => stack.lab.state.tasks.length > before, 20_000, "no task after Back up now");
    await page.waitForTimeout(2_000);
    const started = stack.lab.state.tasks.slice(before);
    expect(started).toHaveLength(1);
    expect(started[0]?.upid).toMatch(new RegExp(`:vzdump:${vmid}:`));

    await expect
      .poll(async () => (await cardRows(page)).find((r) => r.vmid === vmid), {
        timeout: 60_000,
        interval: 500,
      })
      .toMatchObject({ status: "running", busy: true });
    await shot(page, "card-running");
    await runLabUntil(
      async () =>
        stack.lab.state.tasks.at(-1)?.endMs !== undefined &&
        (await cardRows(page)).find((r) => r.vmid === vmid)?.status === "ok",
      "the backup did not end in the card",
    );
    const after = (await cardRows(page)).find((r) => r.vmid === vmid);
    expect(after).toMatchObject({ status: "ok", busy: false });
    expect(after?.age).not.toBe(ageBefore);
    expect(after?.age).toMatch(/now|second|minute/);
    expect(stack.lab.state.tasks.slice(before)).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens the visual editor, and a change shows in its preview", async () => {
    for (const variant of [
      { name: "light", o: {} },
      { name: "dark", o: { dark: true } },
      { name: "phone-360", o: { width: 360, height: 780, phone: true } },
    ]) {
      const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0?edit=1", variant.o);
      await waitForCard(page, 5);
      await page.locator("hui-card-edit-mode").first().click();
      const editor = page.locator("hui-dialog-edit-card");
      const title = editor.locator("ha-selector-text input").first();
      await title.waitFor({ timeout: 30_000 });
      const preview = editor.locator(".element-preview pve-backup-card");
      await expect.poll(() => preview.count()).toBe(1);
      await title.fill(`Backups ${variant.name}`);
      await editor.locator("ha-selector-boolean ha-switch").first().click();
      await expect
        .poll(() =>
          preview.evaluate((card) => ({
            title: card.shadowRoot?.querySelector(".title")?.textContent,
            compact: card.hasAttribute("compact"),
            preview: (card as unknown as { preview: boolean }).preview,
          })),
        )
        .toEqual({ title: `Backups ${variant.name}`, compact: true, preview: true });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, `editor-${variant.name}.png`), animations: "disabled" });
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("renders 200 guests, each with the CLI's status", async () => {
    const big = bigLab(200);
    await stack.replaceLab(big.scenario, big.options);
    const cli = await statusOf(stack.lab, BIG_LAB_OPTIONS, BENCH_TOKEN);
    expect(cli.json.guests).toHaveLength(200);
    const { page, context, errors } = await openPage(browser, stack.hass, "/pve-test/0");
    await waitForCard(page, 200, 120_000);
    // The old lab's guests are gone once the new declaration is in.
    await expect.poll(async () => (await cardRows(page)).length, { timeout: 60_000 }).toBe(200);
    const rows = await cardRows(page);
    expect(Object.fromEntries(rows.map((r) => [r.vmid, r.status]))).toEqual(
      Object.fromEntries(cli.json.guests.map((g) => [g.vmid, g.status])),
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
