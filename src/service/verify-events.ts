import type { Logger } from "../log.js";
import { type VerificationResult, verificationEvent } from "./verify.js";

/**
 * The `pve_backup_verification_*` events, told in order and not lost while Home Assistant is
 * away (restarting, or not connected yet when a run resumes at start): what could not be fired
 * waits, up to `cap` events (the oldest go first), and goes out with the next `flush`.
 */
export interface VerificationEvents {
  tell(r: VerificationResult): Promise<void>;
  /** Any other event of the verifier (a test restore's), in the same queue. */
  tellEvent(e: { type: string; data: Record<string, unknown> }): Promise<void>;
  /** Fire what waits (after each refresh). */
  flush(): Promise<void>;
  waiting(): number;
}

export function createVerificationEvents(deps: {
  readonly fire: (type: string, data: Record<string, unknown>) => Promise<void>;
  readonly log: Logger;
  /** Default 500. */
  readonly cap?: number;
}): VerificationEvents {
  const cap = deps.cap ?? 500;
  const queue: ReturnType<typeof verificationEvent>[] = [];
  let sending: Promise<void> | undefined;
  let warned = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const e = queue[0] as ReturnType<typeof verificationEvent>;
      try {
        await deps.fire(e.type, e.data);
      } catch (err) {
        if (!warned)
          deps.log.warn(
            `could not fire ${e.type} (${err instanceof Error ? err.message : String(err)}): ${queue.length} event(s) wait for Home Assistant`,
          );
        warned = true;
        return;
      }
      queue.shift();
      warned = false;
    }
  }

  function flush(): Promise<void> {
    sending ??= drain().finally(() => {
      sending = undefined;
    });
    return sending;
  }

  return {
    tell(r) {
      return tellEvent(verificationEvent(r));
    },
    tellEvent,
    flush,
    waiting: () => queue.length,
  };

  function tellEvent(e: { type: string; data: Record<string, unknown> }): Promise<void> {
    queue.push(e);
    if (queue.length > cap) {
      queue.splice(0, queue.length - cap);
      deps.log.warn(`more than ${cap} verification events wait for Home Assistant: the oldest are dropped`);
    }
    return flush();
  }
}
