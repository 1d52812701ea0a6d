// The Node test fixtures (the SoftHSM test PKI, the edo-clerk runner) for the e2e suites.
// They are typed for Node alone: compiled under the e2e config, which also has the DOM
// library, their webcrypto types clash. So they are loaded at run time by path, and only what
// the suites use is typed here.
import type { HeldToken } from '../../support/hub';

export interface Person {
  surname: string;
  givenNames: string;
  organization: string;
  orgInn: string;
}

export interface Pki {
  modulePath: string;
  caCertificateFile: string;
  tokens: (HeldToken & { label: string })[];
  /** With `revocation: true`: the CA's OCSP responder (OpenSSL's) named in every certificate issued. */
  revocation?: { ocspUrl: string; setAvailable(available: boolean): void };
  cleanup(): void;
}

export interface ClerkRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the CLI's --json output, checked field by field
}

export interface Org {
  id: string;
  name: string;
  inn: string;
}

interface TestPkiModule {
  createTestPki(
    tokens: {
      label: string;
      pin?: string;
      keys: { algorithm: 'RSA-2048' | 'ECDSA-P256' | 'ECDSA-P384'; person: Person }[];
    }[],
    options?: { revocation?: boolean },
  ): Promise<Pki>;
  samplePeople: { ivanova: Person; petrov: Person };
}

interface HarnessModule {
  clerk(args: string[], options?: { stdin?: string }): Promise<ClerkRun>;
  expectExit(run: ClerkRun, code: number): ClerkRun;
}

const load = <T>(path: string): Promise<T> => import(new URL(path, import.meta.url).href) as Promise<T>;

export const testPki = () => load<TestPkiModule>('../../support/test-pki.ts');
export const clerkHarness = () => load<HarnessModule>('../../node/session-harness.ts');
