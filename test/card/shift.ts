import type { Scenario } from "../../src/sim/scenario.js";

/**
 * The same lab with all its times moved so that its `now` is `nowMs`: the add-on judges ages by
 * the real clock, the CLI by the lab's, and both must see the same ages.
 */
export function shiftScenario(s: Scenario, nowMs: number): Scenario {
  const offset = nowMs - Date.parse(s.now);
  const move = (iso: string) => new Date(Date.parse(iso) + offset).toISOString();
  return {
    ...s,
    now: move(s.now),
    archives: s.archives?.map((a) => ({ ...a, time: move(a.time) })),
    tasks: s.tasks?.map((t) => ({ ...t, start: move(t.start), ...(t.end ? { end: move(t.end) } : {}) })),
  };
}
