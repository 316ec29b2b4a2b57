import type { Archive, GuestType } from "./model.js";

/**
 * The newest archive of each vmid and guest type: all a guest's verdict needs of a storage's
 * backups (a reused vmid of another type is another guest, so its archives are kept apart).
 * Archives are offered one at a time, as a listing streams in, and only the newest are kept.
 */
export class NewestArchives {
  private readonly byType: Record<GuestType, Map<number, Archive>> = { qemu: new Map(), lxc: new Map() };

  offer(archive: Archive): void {
    const map = this.byType[archive.type];
    const best = map.get(archive.vmid);
    if (!best || isNewer(archive, best)) map.set(archive.vmid, archive);
  }

  /** Every kept archive of `other` offered to this one. */
  merge(other: NewestArchives): void {
    for (const map of Object.values(other.byType)) for (const a of map.values()) this.offer(a);
  }

  get(vmid: number, type: GuestType): Archive | undefined {
    return this.byType[type].get(vmid);
  }

  values(): Archive[] {
    return [...this.byType.qemu.values(), ...this.byType.lxc.values()];
  }
}

/**
 * The later archive wins; of two from the same second (the same backup on two storages) the one
 * with the smaller volid, so the pick never depends on the order listings come in.
 */
export function isNewer(a: Archive, than: Archive): boolean {
  return a.timeMs !== than.timeMs ? a.timeMs > than.timeMs : a.volid < than.volid;
}
