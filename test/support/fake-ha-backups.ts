import { statSync } from "node:fs";
import type {
  BackupNowOutcome,
  HaBackup,
  HaBackupConfig,
  HaBackupsApi,
  HaBackupsInfo,
} from "../../src/ha/ha-backups.js";
import type { Logger } from "../../src/log.js";
import { makeBackupTar } from "./ha-backup-tar.js";

/** Home Assistant's backup manager in memory: backups land as real tars in the share. */
export class FakeHaBackups implements HaBackupsApi {
  backups: HaBackup[] = [];
  agentIds: string[] = ["backup.local"];
  config_: HaBackupConfig = {
    shape: "2025.2",
    agentIds: [],
    includeDatabase: true,
    includeAllAddons: false,
    includeAddons: [],
    includeFolders: [],
    retentionCopies: null,
    retentionDays: null,
    schedule: { recurrence: "never", days: [] },
  };
  backupsStarted = 0;
  updates: unknown[] = [];
  constructor(
    private readonly share: string,
    private readonly payloadBytes = 20_000,
  ) {}
  async agents() {
    return this.agentIds.map((agentId) => ({ agentId, name: agentId }));
  }
  async info(): Promise<HaBackupsInfo> {
    return { backups: this.backups, agentErrors: {} };
  }
  async config() {
    return this.config_;
  }
  async updateConfig(change: Parameters<HaBackupsApi["updateConfig"]>[0]) {
    this.updates.push(change);
    this.config_ = {
      ...this.config_,
      retentionCopies: change.retentionCopies ?? this.config_.retentionCopies,
    };
  }
  async generate() {
    return "job";
  }
  async subscribeEvents() {
    return async () => {};
  }
  async backupNow(req: Parameters<HaBackupsApi["backupNow"]>[0]): Promise<BackupNowOutcome> {
    this.backupsStarted += 1;
    await new Promise((r) => setTimeout(r, 50));
    const id = (0x10000000 + this.backups.length + this.backupsStarted).toString(16);
    const file = makeBackupTar(this.share, id, this.payloadBytes);
    const backup: HaBackup = {
      backupId: id,
      name: req.name ?? `Backup ${id}`,
      dateMs: Date.now(),
      agents: Object.fromEntries(
        req.agentIds.map((a) => [a, { sizeBytes: statSync(file).size, protected: false }]),
      ),
      failedAgentIds: [],
      withAutomaticSettings: false,
      homeassistantIncluded: true,
      databaseIncluded: true,
      addons: [],
      folders: [],
    };
    this.backups.push(backup);
    return { kind: "completed", backup, events: [] };
  }
}

export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (l: string) => (m: string) => void lines.push(`${l} ${m}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
