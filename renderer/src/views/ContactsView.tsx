// Runs in: the renderer. Contacts (invite, accept, reject) and the operator's subscriber
// directory search.
import { useEffect, useState, type FormEvent } from 'react';
import type { Contact, Subscriber } from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useT } from '../i18n/use-t';
import { useClerk } from '../store';

export function ContactsView() {
  const t = useT();
  const revision = useClerk((s) => s.revision.contacts);
  const setNotice = useClerk((s) => s.setNotice);
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Subscriber[] | null>(null);

  const fail = (e: unknown) => setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
  const reload = () => invoke('contacts:list', undefined).then(setContacts, fail);
  useEffect(() => {
    void reload();
  }, [revision]);

  const act = (action: Promise<Contact>) => action.then(reload, fail);
  const search = (e: FormEvent) => {
    e.preventDefault();
    if (query.trim()) invoke('subscribers:search', { query }).then(setFound, fail);
  };
  const known = new Set(contacts?.map((c) => c.subscriber.id));

  return (
    <section aria-labelledby="contacts-title">
      <h2 id="contacts-title">{t('contacts.title')}</h2>
      {contacts?.length === 0 && <p className="empty">{t('contacts.empty')}</p>}
      {contacts && contacts.length > 0 && (
        <table className="plain" aria-labelledby="contacts-title">
          <thead>
            <tr>
              <th>{t('contacts.col.name')}</th>
              <th>{t('contacts.col.inn')}</th>
              <th>{t('contacts.col.state')}</th>
              <th>{t('contacts.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.id}>
                <td>{c.subscriber.name}</td>
                <td>{c.subscriber.inn}</td>
                <td>
                  <span className={`contact-${c.state}`}>{t(`contacts.state.${c.state}`)}</span>
                </td>
                <td>
                  {c.state === 'invites-me' && (
                    <div className="actions">
                      <button type="button" onClick={() => act(invoke('contacts:accept', { contactId: c.id }))}>
                        {t('contacts.accept')}
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => act(invoke('contacts:reject', { contactId: c.id }))}
                      >
                        {t('contacts.reject')}
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('contacts.search')}</h3>
      <form className="filters" role="search" onSubmit={search}>
        <input
          type="search"
          aria-label={t('contacts.searchHint')}
          placeholder={t('contacts.searchHint')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="submit">{t('contacts.find')}</button>
      </form>
      {found?.length === 0 && <p className="empty">{t('contacts.noResults')}</p>}
      {found && found.length > 0 && (
        <table className="plain" aria-label={t('contacts.search')}>
          <tbody>
            {found.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.inn}</td>
                <td>
                  {!known.has(s.id) && (
                    <button type="button" onClick={() => act(invoke('contacts:invite', { subscriberId: s.id }))}>
                      {t('contacts.invite')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
