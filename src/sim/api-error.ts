/**
 * Failures of a simulated API call, mirroring pve-common `Exception.pm`: `raise_param_exc` (400 with
 * an `errors` object), `raise_perm_exc` (403) and a plain `die "text\n"` (500). The HTTP layer turns
 * them into PVE's error envelope (reference §1.2).
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
    /** Per-parameter messages, for 400 parameter errors. */
    readonly errors?: Readonly<Record<string, string>>,
    /** false: answer with an empty body (401, proxy failures). */
    readonly withBody = true,
  ) {
    super(message);
  }
}

/** `raise_param_exc`: 400 `Parameter verification failed.` with the per-parameter messages. */
export function paramError(errors: Readonly<Record<string, string>>): ApiError {
  return new ApiError(400, "Parameter verification failed.", errors);
}

/** `raise_perm_exc`: 403 `Permission check failed (<path>, <priv>)`. */
export function permissionError(path: string, privs: string): ApiError {
  return new ApiError(403, `Permission check failed (${path}, ${privs})`);
}

/** A plain `die "text\n"` in a handler: 500 with the text as reason phrase. */
export function died(message: string): ApiError {
  return new ApiError(500, message);
}
