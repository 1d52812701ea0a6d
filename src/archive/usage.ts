// The archive quota as the organization sees it: "used 209.59 MB of 5 GB". Binary units
// (1 MB = 1024² bytes), as the file managers the clerks use count them.

export const MB = 1024 ** 2;
export const GB = 1024 ** 3;
export const DEFAULT_ARCHIVE_QUOTA_BYTES = 5 * GB;

/** At most two decimals, no trailing zeros, no locale: "209.59", "5", "0.5". */
export function amount(value: number): string {
  return String(Number(value.toFixed(2)));
}

export function formatMegabytes(bytes: number): string {
  return `${amount(bytes / MB)} MB`;
}

export function formatArchiveUsage(usedBytes: number, quotaBytes: number): string {
  return `used ${formatMegabytes(usedBytes)} of ${amount(quotaBytes / GB)} GB`;
}
