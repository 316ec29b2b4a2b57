import { UpstreamError } from "../errors.js";

/**
 * The NAS connection's errors, apart from the SSH client itself: code that only needs to tell
 * them apart does not load `ssh2` (nas.ts is imported on first use).
 */

/** Why a connection failed, for the problem entity and the event. */
export type NasFailure = "unreachable" | "host_key_unpinned" | "host_key_mismatch" | "auth" | "sftp";

export class NasError extends UpstreamError {
  constructor(
    message: string,
    readonly failure: NasFailure,
    readonly offeredFingerprint?: string,
    cause?: unknown,
  ) {
    super(message, { retryable: failure === "unreachable" || failure === "sftp", cause });
  }
}
