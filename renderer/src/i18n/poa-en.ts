// Runs in: the renderer. English strings of the Organization view's "Issue an МЧД" section.
import type { poaRu } from './poa-ru';

export const poaEn: Record<keyof typeof poaRu, string> = {
  'poa.issue.title': 'Issue an МЧД',
  'poa.issue.intro':
    "A machine-readable power of attorney for an employee: signed with the director's certificate on the day's token and registered at the exchange hub at once. Its files (the XML and the signature) are saved where you choose.",
  'poa.issue.certificate': "Representative's certificate (PEM)",
  'poa.issue.certificateFile': 'or a certificate file (PEM, DER)',
  'poa.issue.certificateChosen': 'File {file} chosen',
  'poa.issue.powers': 'Powers (FNS classifier)',
  'poa.issue.validUntil': 'Valid until',
  'poa.issue.noRedelegation': 'No redelegation',
  'poa.issue.submit': 'Sign and register',
  'poa.issue.signing': 'Signing and registering…',
  'poa.issue.done': 'МЧД No. {number} registered: valid until {validUntil}, status: {status}.',
  'poa.issue.saved': 'Saved: {files}',
  'poa.issue.downloaded': 'Downloading: {files}',
  'poa.issue.token': 'The МЧД was not signed: {reason}.',
  'poa.issue.unavailable': 'This build has nowhere to save the power of attorney.',
  'poa.status.created': 'registered, its term not begun',
  'poa.status.active': 'in force',
  'poa.status.expired': 'expired',
  'poa.status.revoked': 'revoked',
};
