import { describe, expect, it } from "vitest";
import { createDsmClient } from "../../src/dsm/client.js";
import { silentLogger } from "../../src/log.js";
import type { SimDsm, SimHyperBackupTask } from "../../src/sim/dsm.js";
import { hyperBackupTask, NAS_USER, simDsmPerTest } from "./support.js";

/**
 * Reading Hyper Backup: one `list`, then one `status` per task only when its row changed since the
 * last read (a run began or ended, its state or next run moved) or while it runs.
 */

const startDsm = simDsmPerTest();
const NOW = Date.parse("2026-02-11T10:00:00Z");
const TASKS = 100;

const task = (id: number): SimHyperBackupTask =>
  hyperBackupTask(NOW, { task_id: id, name: `task ${id}`, folders: [`/volume1/share${id}`] });

const taskCalls = (dsm: SimDsm, from: number) =>
  dsm.calls.slice(from).filter((c) => c.api === "SYNO.Backup.Task" && c.method !== "backup").length;

describe("Hyper Backup task details between reads", () => {
  it("asks each task's status again only when its list row changed or while it runs", async () => {
    const { dsm, cert } = await startDsm({ tasks: Array.from({ length: TASKS }, (_, i) => task(i + 1)) });
    const client = createDsmClient(
      {
        baseUrl: dsm.url,
        username: NAS_USER.account,
        password: NAS_USER.password,
        fingerprint: cert.fingerprint,
        timeZone: "Europe/Berlin",
        timeoutMs: 5000,
      },
      { log: silentLogger },
    );
    const counts: number[] = [];
    const read = async () => {
      const from = dsm.calls.length;
      const tasks = await client.hyperBackupTasks();
      counts.push(taskCalls(dsm, from));
      return tasks;
    };
    try {
      const first = await read();
      const second = await read();
      expect(second).toEqual(first);
      await client.runTask(5);
      const running = await read();
      expect(running?.find((t) => t.id === 5)).toMatchObject({ status: "backup", lastResult: "backingup" });
      await read();
      dsm.finishBackup(5, "done", "SYNO.SDS.Backup.Application:error:status_target_broken");
      const after = await read();
      expect(after?.find((t) => t.id === 5)?.lastError).toBe(
        "SYNO.SDS.Backup.Application:error:status_target_broken",
      );
      dsm.tasks.splice(0, 1);
      const fewer = await read();
      expect(fewer).toHaveLength(TASKS - 1);
      // list + every status; list only; list + the running one (twice); list + the finished one; list.
      expect(counts).toEqual([TASKS + 1, 1, 2, 2, 2, 1]);
      console.log(`Hyper Backup requests per read with ${TASKS} tasks: ${counts.join(", ")}`);
    } finally {
      await client.close();
    }
  });
});
