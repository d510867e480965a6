// Exit codes, documented in docs/operations.md ("Trainer exit codes").
export const EXIT = {
  ok: 0,
  /** The command failed; nothing was published. */
  failed: 1,
  /** Published, but some series failed to fit and carry the fallback model. */
  partial: 2,
  /** Configuration is missing or invalid. */
  config: 3,
  /** Another cycle or scheduler holds the lock; nothing was done (pass --wait to wait instead). */
  locked: 4,
  /** Stopped by SIGTERM/SIGINT before the final commit; nothing was published. */
  abandoned: 5,
  /** `import` found bad rows and loaded nothing (all-or-nothing); see the listed line numbers. */
  rejected: 6,
} as const;
