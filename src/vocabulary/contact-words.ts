// A contact's state in the clerk's words, once for the desktop's dictionaries and the CLI's
// `contacts`: keyed `contacts.state.<value>` as the renderer's i18n keys are, so a new state
// fails the typecheck until both languages name it. Pure, no Node.
import type { ContactState } from '../protocol/directory';

type Words = Record<`contacts.state.${ContactState}`, string>;

export const contactStateWords: { ru: Words; en: Words } = {
  ru: {
    'contacts.state.connected': 'подключён',
    'contacts.state.invited-by-me': 'приглашение отправлено',
    'contacts.state.invites-me': 'приглашает нас',
    'contacts.state.rejected': 'отклонён',
  },
  en: {
    'contacts.state.connected': 'connected',
    'contacts.state.invited-by-me': 'invitation sent',
    'contacts.state.invites-me': 'invites us',
    'contacts.state.rejected': 'rejected',
  },
};
