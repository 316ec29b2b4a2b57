import WebSocket from "ws";

/**
 * A Home Assistant websocket client that subscribes to the given event types and keeps doing so
 * across Home Assistant restarts (it reconnects every `retryMs` until `close()`).
 */
export interface EventTap {
  readonly events: { type: string; data: Record<string, unknown> }[];
  /** Times the subscription was (re)established. */
  subscriptions(): number;
  close(): void;
}

export async function tapEvents(
  ha: { url: string; token: string },
  eventTypes: readonly string[],
  retryMs = 500,
): Promise<EventTap> {
  const events: EventTap["events"] = [];
  let subscribed = 0;
  let closed = false;
  let current: WebSocket | undefined;
  let firstReady: (() => void) | undefined;
  const ready = new Promise<void>((r) => {
    firstReady = r;
  });

  const open = () => {
    if (closed) return;
    const ws = new WebSocket(`${ha.url.replace(/^http/, "ws")}/api/websocket`);
    current = ws;
    let acked = 0;
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: ha.token }));
      else if (m.type === "auth_ok") {
        for (const [i, event_type] of eventTypes.entries())
          ws.send(JSON.stringify({ id: i + 1, type: "subscribe_events", event_type }));
      } else if (m.type === "result" && m.success) {
        acked++;
        if (acked === eventTypes.length) {
          subscribed++;
          firstReady?.();
        }
      } else if (m.type === "event") events.push({ type: m.event.event_type, data: m.event.data });
    });
    // Home Assistant restarting: connection refused, then a new start.
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      if (!closed) setTimeout(open, retryMs);
    });
  };
  open();
  await ready;
  return {
    events,
    subscriptions: () => subscribed,
    close() {
      closed = true;
      current?.close();
    },
  };
}
