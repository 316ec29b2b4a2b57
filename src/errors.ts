/** Errors that cross module boundaries. Messages never carry secrets. */

/** Options that cannot work: fatal at boot, one `path: message` line per problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid options:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

/** A PVE / HA / Supervisor / SSH call that failed. */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";
  constructor(
    message: string,
    readonly details: { readonly retryable: boolean; readonly status?: number; readonly cause?: unknown },
  ) {
    super(message, { cause: details.cause });
  }
  get retryable(): boolean {
    return this.details.retryable;
  }
}

/** Bad input from a service call, HTTP request or command line: nothing was changed. */
export class InputError extends Error {
  override readonly name = "InputError";
}
