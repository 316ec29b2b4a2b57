/**
 * A token bucket per client address: `burst` requests at once, then `perSecond`. Pure state and
 * arithmetic; the clock comes in with every call. At most `maxClients` buckets are kept: when
 * more addresses show up, the buckets that are full again (idle clients) go first, then the
 * oldest, so a crowd of addresses cannot grow memory without bound.
 */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
  readonly maxClients?: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly retryAfterS: number };

export interface RateLimiter {
  take(client: string, nowMs: number): Admission;
}

export function createRateLimiter(limit: RateLimit): RateLimiter {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const maxClients = limit.maxClients ?? 1024;
  const refill = (b: { tokens: number; atMs: number }, nowMs: number) => {
    b.tokens = Math.min(limit.burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * limit.perSecond);
    b.atMs = nowMs;
  };
  const evict = (nowMs: number) => {
    for (const [key, b] of buckets) {
      refill(b, nowMs);
      if (b.tokens >= limit.burst) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(key);
    }
  };
  return {
    take(client, nowMs) {
      let b = buckets.get(client);
      if (!b) {
        if (buckets.size >= maxClients) evict(nowMs);
        b = { tokens: limit.burst, atMs: nowMs };
        buckets.set(client, b);
      }
      refill(b, nowMs);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond)) };
    },
  };
}
