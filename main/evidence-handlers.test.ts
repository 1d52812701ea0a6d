// The evidence:save handler: main's save dialog decides the path; a cancelled dialog writes
// nothing; a build without the dialog or the service says so.
import { describe, expect, it, vi } from 'vitest';
import { createEvidenceHandlers } from './evidence-handlers';
import type { Platform } from './handlers';
import type { EvidenceService } from './services';

const platform = (chooseSaveFile?: Platform['chooseSaveFile']): Platform => ({
  appInfo: () => ({ name: 'EDO Clerk', version: '0' }),
  openExternal: async () => undefined,
  setStartAtLogin: () => undefined,
  chooseSaveFile,
});

describe('evidence:save', () => {
  const service = (): EvidenceService & { write: ReturnType<typeof vi.fn> } => ({
    suggestedName: (d, k) => `doc-${d}.${k === 'card' ? 'card.pdf' : 'evidence.zip'}`,
    write: vi.fn(async () => undefined),
  });

  it('writes the file where the clerk chose in the save dialog, which proposes the name', async () => {
    const evidence = service();
    const choose = vi.fn(async () => '/home/clerk/card.pdf');
    const saved = await createEvidenceHandlers({ evidence }, platform(choose))['evidence:save']({
      document: '7',
      kind: 'card',
    });
    expect(choose).toHaveBeenCalledWith('doc-7.card.pdf');
    expect(evidence.write).toHaveBeenCalledWith('7', 'card', '/home/clerk/card.pdf');
    expect(saved).toEqual({ saved: true, file: '/home/clerk/card.pdf' });
  });

  it('writes nothing when the clerk cancels the dialog', async () => {
    const evidence = service();
    expect(
      await createEvidenceHandlers(
        { evidence },
        platform(async () => undefined),
      )['evidence:save']({ document: '7', kind: 'package' }),
    ).toEqual({ saved: false });
    expect(evidence.write).not.toHaveBeenCalled();
  });

  it('says so where the build has no save dialog or no hub', async () => {
    await expect(
      createEvidenceHandlers({ evidence: service() }, platform())['evidence:save']({ document: '7', kind: 'card' }),
    ).rejects.toThrow(/not available/);
    await expect(
      createEvidenceHandlers(
        {},
        platform(async () => '/x'),
      )['evidence:save']({ document: '7', kind: 'card' }),
    ).rejects.toThrow(/not available/);
  });
});
