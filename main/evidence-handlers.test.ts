// The evidence:save handler: main's save dialog decides the path; a cancelled dialog writes
// nothing; the web client makes the file for the browser to download; a build with neither, or
// without the service, says so by a code, and so does a document that has no card.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { EvidenceError } from '../src/evidence';
import { DownloadShelf } from '../src/web/downloads';
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

  it('says so, by a code the renderer words, where the build has no way to save or no hub', async () => {
    const unavailable = { saved: false, unavailable: true };
    expect(
      await createEvidenceHandlers({ evidence: service() }, platform())['evidence:save']({
        document: '7',
        kind: 'card',
      }),
    ).toEqual(unavailable);
    expect(
      await createEvidenceHandlers(
        {},
        platform(async () => '/x'),
      )['evidence:save']({ document: '7', kind: 'card' }),
    ).toEqual(unavailable);
  });

  it('in the web client makes the file in a folder of its own and hands it to the browser as a download', async () => {
    const evidence = service();
    evidence.write.mockImplementation(async (_d: string, _k: string, file: string) => writeFileSync(file, '%PDF-'));
    const shelf = new DownloadShelf();
    const saved = await createEvidenceHandlers(
      { evidence },
      { ...platform(), offerDownloads: (make) => shelf.offer(make) },
    )['evidence:save']({ document: '7', kind: 'card' });
    expect(saved).toEqual({
      saved: true,
      downloads: [{ id: expect.stringMatching(/^[\w-]{43}$/), name: 'doc-7.card.pdf' }],
    });
    const offered = (await shelf.take(saved.downloads![0]!.id))!;
    expect(offered).toMatchObject({ name: 'doc-7.card.pdf', size: 5 });
    expect(readFileSync(offered.file, 'utf8')).toBe('%PDF-');
    await offered.done();
    expect(existsSync(offered.file)).toBe(false);
    // Fetched once: the id is spent.
    expect(await shelf.take(saved.downloads![0]!.id)).toBeUndefined();
    await shelf.close();
  });

  it('answers a document without a card by its problem code, and offers nothing', async () => {
    const evidence = service();
    evidence.write.mockRejectedValue(new EvidenceError('No document "x"', 'not-found'));
    const offer = vi.fn((make: (dir: string) => Promise<string[]>) => new DownloadShelf().offer(make));
    expect(
      await createEvidenceHandlers({ evidence }, { ...platform(), offerDownloads: offer })['evidence:save']({
        document: 'x',
        kind: 'package',
      }),
    ).toEqual({ saved: false, problem: 'not-found' });
  });
});
