// Operating modes (docs/architecture.md §1): the organization's policy decides who runs sessions and who
// signs. Every entry point asks here before it runs a session.
import type { OperatingMode, SessionTrigger } from '../vocabulary';

export interface SessionPolicy {
  allowed: boolean;
  /** Why not, in the clerk's words. */
  reason?: string;
  /** Why not, by code: the shells' words for it. */
  refusal?: 'agent-needs-server' | 'background-needs-workstation';
  /** Whether this run may sign service documents (if a signer is at hand). */
  sign: boolean;
  /** Whether this run may ask for a PIN (never in the background). */
  interactive: boolean;
}

/**
 * agent: the unattended exchange agent on a server; on demand: the clerk pressed "Run exchange
 * session"/"Send", or ran `edo-clerk session` (also from a scheduled task: the clerk set that up
 * on purpose); background: the desktop app's own reasons (its timer, waking up, the network or
 * the token coming back).
 */
function kindOf(trigger: SessionTrigger): 'agent' | 'schedule' | 'manual' {
  if (trigger === 'agent') return 'agent';
  return trigger === 'manual' || trigger === 'send' ? 'manual' : 'schedule';
}

/** The clerk asked for this run (it runs even while background exchange is paused). */
export function onDemand(trigger: SessionTrigger): boolean {
  return kindOf(trigger) === 'manual';
}

export function sessionPolicy(mode: OperatingMode, trigger: SessionTrigger): SessionPolicy {
  switch (kindOf(trigger)) {
    case 'agent':
      return mode === 'server'
        ? { allowed: true, sign: true, interactive: false }
        : {
            allowed: false,
            sign: false,
            interactive: false,
            reason: `the organization's operating mode is "${mode}": the exchange agent runs only in "server" mode`,
            refusal: 'agent-needs-server',
          };
    case 'schedule':
      return mode === 'workstation'
        ? { allowed: true, sign: true, interactive: false }
        : {
            allowed: false,
            sign: false,
            interactive: false,
            reason: `the organization's operating mode is "${mode}": background sessions run only in "workstation" mode`,
            refusal: 'background-needs-workstation',
          };
    case 'manual':
      // In server mode the agent signs with the organization's key; a clerk's run only exchanges.
      return mode === 'server'
        ? {
            allowed: true,
            sign: false,
            interactive: true,
            reason: 'the exchange agent signs service documents (operating mode "server")',
          }
        : { allowed: true, sign: true, interactive: true };
  }
}
