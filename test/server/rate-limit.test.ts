import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/server/rate-limit.js";

describe("createRateLimiter", () => {
  it("lets a burst through, then one request per refill, per client", () => {
    const limiter = createRateLimiter({ burst: 3, perSecond: 1 });
    const at = (ms: number, client = "a") => limiter.take(client, ms);
    expect([at(0), at(0), at(0)].every((a) => a.ok)).toBe(true);
    expect(at(0)).toEqual({ ok: false, retryAfterS: 1 });
    expect(at(0, "b").ok).toBe(true);
    expect(at(500)).toEqual({ ok: false, retryAfterS: 1 });
    expect(at(1000).ok).toBe(true);
    expect(at(1000).ok).toBe(false);
    expect([at(10_000), at(10_000), at(10_000), at(10_000)].map((a) => a.ok)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it("keeps at most maxClients buckets, dropping idle ones first", () => {
    const limiter = createRateLimiter({ burst: 1, perSecond: 0.001, maxClients: 2 });
    expect(limiter.take("busy", 0).ok).toBe(true);
    expect(limiter.take("other", 0).ok).toBe(true);
    // A third client: no bucket is idle again, the oldest goes ("busy").
    expect(limiter.take("third", 0).ok).toBe(true);
    expect(limiter.take("other", 0).ok).toBe(false);
    expect(limiter.take("busy", 0).ok).toBe(true);
  });
});
