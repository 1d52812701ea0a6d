// The independent judges of a saved card and evidence package, for the e2e suites that save
// them (the desktop's clerk-real, the browser's newcomer): pdftotext reads the card, pdftoppm
// renders its first page (kept among the screenshots) and zbarimg reads the QR code off it;
// unzip tests and unpacks the package.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const shots = 'test-results/screenshots';

/** The card's text (whitespace folded) and its first page's QR code; the render is kept as `<shot>.png`. */
export function readCard(cardFile: string, workDir: string, shot: string): { text: string; qr: string } {
  const text = execFileSync('pdftotext', ['-layout', cardFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  const png = join(workDir, `${shot}-render`);
  execFileSync('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-png', '-singlefile', cardFile, png]);
  mkdirSync(shots, { recursive: true });
  copyFileSync(`${png}.png`, `${shots}/${shot}.png`);
  const qr = execFileSync('zbarimg', ['--quiet', '--raw', `${png}.png`], { encoding: 'utf8' }).trim();
  return { text, qr };
}

/** `unzip -t` accepts the package (it throws otherwise); its manifest and its original's bytes. */
export function unpackEvidence(
  zipFile: string,
  outDir: string,
): { manifest: { parts: { role: string; path: string }[] }; original: Buffer } {
  execFileSync('unzip', ['-t', zipFile], { stdio: 'pipe' });
  execFileSync('unzip', ['-q', zipFile, '-d', outDir]);
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
  const original = manifest.parts.find((p: { role: string }) => p.role === 'original');
  return { manifest, original: readFileSync(join(outDir, original.path)) };
}
