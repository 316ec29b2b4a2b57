import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusOf } from "../support/cli.js";
import { tieredLab } from "../support/scenarios.js";
import {
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
    expect(errors).toEqual([]);
    await shot(page, "card-light");
    await context.close();
  });
});
