// Where an Electron binary exists, the same suites run through Playwright's _electron; here the
// binary cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1), so those suites skip and say so.
import { electronBinary } from '../../src/web/electron-binary';

export const electronPath = electronBinary();
export const electronSkipReason =
  'the Electron binary is not installed on this machine (it cannot be downloaded here; ELECTRON_SKIP_BINARY_DOWNLOAD=1): the Chromium suites cover the same UI';
