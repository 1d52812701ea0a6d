// What the archive tells the organization about: by e-mail (switches and quota thresholds)
// and to its webhooks (everything).

export interface QuotaFigures {
  usedBytes: number;
  quotaBytes: number;
  /** "used 209.59 MB of 5 GB" */
  usage: string;
}

export type ArchiveEvent =
  | ({
      type: 'archive.entry-archived';
      orgId: string;
      index: number;
      documentId: string;
      kind: string;
      fileName: string;
      size: number;
    } & QuotaFigures)
  | ({
      type: 'archive.entry-refused';
      orgId: string;
      refusedId: number;
      documentId: string;
      kind: string;
      fileName: string;
      size: number;
    } & QuotaFigures)
  | ({ type: 'archive.quota-threshold'; orgId: string; percent: 80 | 100 } & QuotaFigures)
  | {
      type: 'archive.switched';
      orgId: string;
      on: boolean;
      /** Archiving for the whole organization, or for one user's own signatures. */
      scope: 'organization' | 'user';
      userId?: string;
      /** Who switched it (user id or login). */
      by: string;
    };

export type ArchiveEventListener = (event: ArchiveEvent) => void;
