import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  bigLab,
  launchChromium,
  openPage,
  saveDashboard,
  startStack,
  waitForCard,
} from "../test/card/stack.js";

/**
 * The dashboard card with 200 guests in headless Chromium, inside the real Home Assistant
 * frontend (HA Core from .venv, the add-on on a generated sim lab): time from handing the card a
 * changed `hass` to its `updated()` (performance marks in the page), for a change of one of its
 * entities and for a change elsewhere, and its first render; plus the bundle's size.
 * Prints numbers; asserts none. Run with `npm run bench:card`.
 */

const GUESTS = 200;
const RUNS = 60;
const root = join(import.meta.dirname, "../..");

const bundle = readFileSync(join(root, "dist/pve-backup-card.js"));
const big = bigLab(GUESTS);
const stack = await startStack(big.scenario, big.options);
const browser = await launchChromium();
try {
  await saveDashboard(stack.hass, "pve-bench", [{ type: "custom:pve-backup-card" }]);
  const { page } = await openPage(browser, stack.hass, "/pve-bench/0");
  await waitForCard(page, GUESTS, 120_000);
  const result = await page.locator("pve-backup-card").evaluate(async (card, runs) => {
    type Hass = {
      states: Record<string, { state: string; entity_id: string }>;
      entities: Record<string, { platform?: string; translation_key?: string }>;
    };
    type Card = HTMLElement & { hass: Hass; updateComplete: Promise<boolean>; setConfig(c: object): void };
    const el = card as Card;
    // Every guest's last-backup sensor carries the checks: half failed their verification and
    // have no off-NAS copy, so every collapsed row draws what it can (markers included).
    const live = el.hass;
    const states = { ...live.states };
    let n = 0;
    for (const e of Object.values(live.entities))
      if (e.platform === "pve_backup" && e.translation_key === "last_backup") {
        const id = (e as unknown as { entity_id: string }).entity_id;
        const s = states[id] as unknown as { attributes?: Record<string, unknown> };
        const bad = n++ % 2 === 0;
        states[id] = {
          ...s,
          attributes: {
            ...s.attributes,
            last_verified: new Date(Date.now() - 3_600_000).toISOString(),
            last_verified_result: bad ? "failed" : "ok",
            last_verified_depth: "full",
            last_verified_message: bad ? "zstd: truncated" : "",
            copies_pve: 3,
            copies_nas: 3,
            off_nas: bad ? "no" : "yes",
            off_nas_time: bad ? null : new Date(Date.now() - 9 * 3_600_000).toISOString(),
          },
        } as unknown as Hass["states"][string];
      }
    const base = { ...live, states } as Hass;
    el.hass = base;
    await el.updateComplete;
    const statusIds = Object.values(base.entities)
      .filter((e) => e.platform === "pve_backup" && e.translation_key === "backup_status")
      .map((e) => (e as unknown as { entity_id: string }).entity_id);
    const measure = async (name: string, next: () => Hass, target: Card = el) => {
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const h = next();
        performance.mark(`${name}-start`);
        target.hass = h;
        await target.updateComplete;
        performance.mark(`${name}-end`);
        out.push(performance.measure(name, `${name}-start`, `${name}-end`).duration);
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
      return out;
    };
    let k = 0;
    // One guest's status flips (a new state object for one of the card's entities).
    const own = await measure("own-entity", () => {
      const id = statusIds[k++ % statusIds.length] as string;
      const old = base.states[id] as { state: string };
      return {
        ...base,
        states: { ...base.states, [id]: { ...old, state: old.state === "failed" ? "ok" : "failed" } },
      } as Hass;
    });
    // Another integration's entity changes: the card must skip the work.
    const other = await measure("other-entity", () => ({
      ...base,
      states: { ...base.states, "sensor.elsewhere": { entity_id: "sensor.elsewhere", state: String(k++) } },
    }));
    // First render: a new card, configured, fed, attached.
    const first: number[] = [];
    for (let i = 0; i < 10; i++) {
      const fresh = document.createElement("pve-backup-card") as Card;
      fresh.setConfig({ type: "custom:pve-backup-card" });
      performance.mark("first-start");
      fresh.hass = base;
      el.parentElement?.appendChild(fresh);
      await fresh.updateComplete;
      performance.mark("first-end");
      first.push(performance.measure("first", "first-start", "first-end").duration);
      fresh.remove();
    }
    el.hass = base;
    return {
      own,
      other,
      first,
      rows: el.shadowRoot?.querySelectorAll("li.row").length,
      marks: el.shadowRoot?.querySelectorAll("[data-mark]").length,
    };
  }, RUNS);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
    return {
      median: q(0.5).toFixed(2),
      p95: q(0.95).toFixed(2),
      max: (s.at(-1) ?? 0).toFixed(2),
      runs: s.length,
      unit: "ms",
    };
  };
  console.log(
    `pve-backup-card with ${result.rows} guests (${result.marks} check markers drawn) in headless Chromium (real HA 2025.1.4 frontend):`,
  );
  console.table({
    "hass change, one of its entities → updated()": stats(result.own),
    "hass change, another entity → updated()": stats(result.other),
    "first render (setConfig + hass + attach)": stats(result.first),
  });
  console.log(
    `bundle dist/pve-backup-card.js: ${bundle.length} bytes, ${gzipSync(bundle).length} bytes gzipped`,
  );
} finally {
  await browser.close();
  await stack.stop();
}
