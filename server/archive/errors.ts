// Errors of the hub's archive, each naming the problem in words the hub can pass to whoever
// signed the document (the exchange itself goes on when archiving fails).

export class ArchiveEntryInvalidError extends Error {
  override readonly name = 'ArchiveEntryInvalidError';
}

/** The entry names a blob the hub's blob store does not hold, or holds with another size. */
export class ArchiveBlobError extends Error {
  override readonly name = 'ArchiveBlobError';
}

/** The entry did not fit the organization's quota; it is recorded as refused (`refusedId`). */
export class ArchiveQuotaExceededError extends Error {
  override readonly name = 'ArchiveQuotaExceededError';
  constructor(
    message: string,
    readonly orgId: string,
    readonly refusedId: number,
    readonly usedBytes: number,
    readonly quotaBytes: number,
  ) {
    super(message);
  }
}

/** The hub's own storage lacks what an append-only log must have: someone edited it. */
export class ArchiveStorageDamagedError extends Error {
  override readonly name = 'ArchiveStorageDamagedError';
}

export class ArchiveNotFoundError extends Error {
  override readonly name = 'ArchiveNotFoundError';
}
