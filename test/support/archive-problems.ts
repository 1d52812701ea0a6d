// Asserts that archive verification failed with the named problem and a message saying what broke.
import { expect } from 'vitest';
import { ArchiveVerificationError, type ArchiveProblem } from '../../src/archive/errors';

export async function expectArchiveProblem(
  promise: Promise<unknown>,
  problem: ArchiveProblem,
  message: RegExp,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveVerificationError);
  expect((error as ArchiveVerificationError).problem).toBe(problem);
  expect((error as Error).message).toMatch(message);
}
