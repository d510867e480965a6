// Exit codes, documented in README ("Trainer exit codes").
export const EXIT = {
  ok: 0,
  /** The command failed; nothing was published. */
  failed: 1,
  /** Published, but some series failed to fit and carry the fallback model. */
  partial: 2,
  /** Configuration is missing or invalid. */
  config: 3,
} as const;
