// Runs in: the renderer. English strings of the staff's web client; typed by the Russian ones,
// so no key can be missing.
import type { staffRu } from './staff-ru';

export const staffEn: Record<keyof typeof staffRu, string> = {
  'staff.title': 'Staff login',
  'staff.hint': "The login and password of your organization's user at the exchange hub.",
  'staff.login': 'Login',
  'staff.password': 'Password',
  'staff.submit': 'Log in',
  'staff.submitting': 'Logging in…',
  'staff.user': '{name}, {organization}',
  'staff.logout': 'Log out',
  'staff.problem.login-failed': 'Wrong login or password.',
  'staff.problem.too-many-attempts': 'Too many failed attempts. Try again at {time}.',
  'staff.problem.other-organization':
    "This user belongs to another organization: only the staff of this server's organization log in here.",
  'staff.problem.hub-unreachable': 'The exchange hub did not answer the login: {message}',
  'staff.problem.invalid-request': 'Enter the login and the password.',
};
