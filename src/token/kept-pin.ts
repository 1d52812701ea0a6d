// The one rule for a PIN the clerk chose to keep in the keychain, for the app's day token and
// the CLI's and agent's sessions alike (docs/architecture.md §7).
import type { TokenProblem } from '../vocabulary';
import type { TokenFlags } from './tokens';

/**
 * A kept PIN is tried only where a PIN is typed at all, and never on a locked token or one on
 * its final try: a stale kept PIN must not lock the clerk's token.
 */
export function mayTryKeptPin(flags: TokenFlags): boolean {
  return flags.loginRequired && !flags.protectedAuthPath && !flags.userPinLocked && !flags.userPinFinalTry;
}

/** A kept PIN the token refused is deleted at once, so no background run ever tries it again. */
export function refusesKeptPin(problem: TokenProblem | undefined): boolean {
  return problem === 'pin-incorrect' || problem === 'pin-locked';
}
