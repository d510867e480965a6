// The few ways a request can fail. The server turns each into one JSON shape,
// `{"error": "..."}`, in one place (server.ts `sendFailure`).

/** A Redis error reply, e.g. "ERR syntax error" or "WRONGTYPE ...": the text is what Redis says. */
export class CommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CommandError";
  }
}

/** A transaction Redis refused to queue; both backends answer with this text and the first reason. */
export function execAbort(reason: string): CommandError {
  return new CommandError(`EXECABORT Transaction discarded because of previous errors: ${reason}`);
}

/** The HTTP request itself is unusable (auth, size, JSON shape); `status` is the 4xx to answer. */
export class RequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RequestError";
    this.status = status;
  }
}

/** The store behind the endpoint (real Redis) cannot be reached: answered with 503. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BackendUnavailableError";
  }
}

/** `startUpstashLocal` was given options it cannot run with; lists every problem at once. */
export class UpstashLocalConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(`upstash-local cannot start:\n  - ${problems.join("\n  - ")}`, options);
    this.name = "UpstashLocalConfigError";
    this.problems = problems;
  }
}
