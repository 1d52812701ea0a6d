// The one error a client raises when the archive fails verification. `problem` says what
// broke, so the CLI and the desktop can report it in words, and tests can tell cases apart.

export type ArchiveProblem =
  /** The tree head's signature does not verify against the operator certificate. */
  | 'bad-signature'
  /** Two signed tree heads of the same size with different roots: the log was rewritten. */
  | 'root-mismatch'
  /** A signed tree head smaller than one already seen: entries were removed. */
  | 'truncated'
  /** The consistency proof between two tree heads failed: the old tree is not a prefix of the new. */
  | 'inconsistent'
  /** The entry is not in the tree of the signed head (its bytes or the tree changed). */
  | 'not-included'
  /** The hub lists an entry whose contents do not hash to the leaf hash it claims or we recorded. */
  | 'entry-changed'
  /** An entry we archived (we hold its receipt) is no longer in the archive. */
  | 'missing';

export class ArchiveVerificationError extends Error {
  override readonly name = 'ArchiveVerificationError';
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`archive verification failed (${problem}): ${message}`, options);
  }
}
