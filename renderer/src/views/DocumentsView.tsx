// Runs in: the renderer. Inbox and Outbox: search and filters over a virtualized table that
// asks main for pages of rows as they scroll into view, so 100,000 documents cost what one
// screen does.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  listStatusesOf,
  type Contact,
  type Direction,
  type DocumentQuery,
  type DocumentRow,
  type ListStatus,
} from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';
import { DateField } from './DateField';
import { OutboxAdd } from './OutboxAdd';

export const rowHeight = 36;
const pageSize = 100;

export type Filters = Pick<DocumentQuery, 'search' | 'counterpartyId' | 'status' | 'from' | 'to'>;

/** Pages of one query, fetched on demand; a new query or a change in main starts afresh. */
export function usePagedDocuments(direction: Direction, filters: Filters, revision: number) {
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, DocumentRow[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  /** The query whose first page is on screen; another one means a query is under way. */
  const [shown, setShown] = useState<string | null>(null);
  const requested = useRef(new Set<number>());
  const generation = useRef(0);
  const key = JSON.stringify({ filters, revision });

  const load = (page: number) => {
    if (requested.current.has(page)) return;
    requested.current.add(page);
    const mine = generation.current;
    invoke('documents:list', { direction, ...filters, offset: page * pageSize, limit: pageSize }).then(
      (result) => {
        if (mine !== generation.current) return;
        setTotal(result.total);
        setPages((p) => new Map(p).set(page, result.rows));
        if (page === 0) setShown(key);
      },
      (e: unknown) => mine === generation.current && setError(errorText(e)),
    );
  };

  useEffect(() => {
    generation.current += 1;
    requested.current = new Set();
    setPages(new Map());
    setError(null);
    load(0);
  }, [direction, key]);

  return {
    total,
    error,
    busy: shown !== key,
    row: (index: number) => pages.get(Math.floor(index / pageSize))?.[index % pageSize],
    ensure: (first: number, last: number) => {
      for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p++) load(p);
    },
  };
}

function useDebounced<V>(value: V, ms: number): V {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** A filter with its caption; the control gets its name from the caption alone. */
function Filter({ caption, children }: { caption: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="filter">
      <label htmlFor={id}>{caption}</label>
      {children(id)}
    </div>
  );
}

export function DocumentsView({ direction }: { direction: Direction }) {
  const t = useT();
  const f = useFormat();
  const revision = useClerk((s) => s.revision[direction]);
  const contactsRevision = useClerk((s) => s.revision.contacts);
  // The agent's staff read; adding to the Outbox is the agent's clerk's.
  const staff = useClerk((s) => s.staff);
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<Omit<Filters, 'search'>>({});
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [adding, setAdding] = useState(false);
  const debouncedSearch = useDebounced(search, 250);
  const query = useMemo<Filters>(
    () => ({ ...filters, ...(debouncedSearch.trim() ? { search: debouncedSearch.trim() } : {}) }),
    [filters, debouncedSearch],
  );
  const docs = usePagedDocuments(direction, query, revision);

  useEffect(() => {
    invoke('contacts:list', undefined).then(setContacts, () => setContacts([]));
  }, [contactsRevision]);

  const set = (patch: Partial<Omit<Filters, 'search'>>) =>
    setFilters((f) =>
      Object.fromEntries(Object.entries({ ...f, ...patch }).filter(([, v]) => v !== undefined && v !== '')),
    );

  return (
    <section className="documents" aria-labelledby={`${direction}-title`}>
      <div className="view-head">
        <h2 id={`${direction}-title`}>{t(direction === 'in' ? 'nav.inbox' : 'nav.outbox')}</h2>
        {direction === 'out' && !staff && (
          <button type="button" onClick={() => setAdding(true)}>
            {t('docs.add')}
          </button>
        )}
      </div>
      <div className="filters" role="search">
        <input
          type="search"
          aria-label={t('docs.search')}
          placeholder={t('docs.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Filter caption={t('docs.counterparty')}>
          {(id) => (
            <select
              id={id}
              value={filters.counterpartyId ?? ''}
              onChange={(e) => set({ counterpartyId: e.target.value || undefined })}
            >
              <option value="">{t('docs.any')}</option>
              {contacts.map((c) => (
                <option key={c.subscriber.id} value={c.subscriber.id}>
                  {c.subscriber.name}
                </option>
              ))}
            </select>
          )}
        </Filter>
        <Filter caption={t('docs.status')}>
          {(id) => (
            <select
              id={id}
              value={filters.status ?? ''}
              onChange={(e) => set({ status: (e.target.value || undefined) as ListStatus | undefined })}
            >
              <option value="">{t('docs.any')}</option>
              {listStatusesOf[direction].map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Filter>
        <Filter caption={t('docs.from')}>
          {(id) => <DateField id={id} value={filters.from} onChange={(from) => set({ from })} />}
        </Filter>
        <Filter caption={t('docs.to')}>
          {(id) => <DateField id={id} value={filters.to} onChange={(to) => set({ to })} />}
        </Filter>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setSearch('');
            setFilters({});
          }}
        >
          {t('docs.reset')}
        </button>
        <span className="count" role="status">
          {docs.total === null ? t('common.loading') : t('docs.found', { count: f.number(docs.total) })}
        </span>
      </div>
      {docs.error && (
        <p role="alert" className="error">
          {t('common.error', { message: docs.error })}
        </p>
      )}
      <DocumentTable direction={direction} docs={docs} />
      {adding && <OutboxAdd contacts={contacts} onClose={() => setAdding(false)} />}
    </section>
  );
}

function DocumentTable({ direction, docs }: { direction: Direction; docs: ReturnType<typeof usePagedDocuments> }) {
  const t = useT();
  const f = useFormat();
  const openDocument = useClerk((s) => s.openDocument);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: docs.total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index;
  const last = items[items.length - 1]?.index;
  useEffect(() => {
    if (first !== undefined && last !== undefined) docs.ensure(first, last);
  }, [first, last, docs]);

  return (
    <div
      className="table"
      role="table"
      aria-label={t(direction === 'in' ? 'nav.inbox' : 'nav.outbox')}
      aria-rowcount={docs.total ?? 0}
      aria-busy={docs.busy}
    >
      <div className="row head" role="row">
        {(['date', 'counterparty', 'title', 'file', 'status'] as const).map((c) => (
          <span key={c} role="columnheader" className={`col-${c}`}>
            {t(`docs.col.${c}`)}
          </span>
        ))}
      </div>
      <div className="scroller" ref={scroller}>
        {docs.total === 0 && <p className="empty">{t('docs.empty')}</p>}
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const doc = docs.row(item.index);
            return (
              <div
                key={item.key}
                role="row"
                aria-rowindex={item.index + 2}
                className="row"
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: rowHeight,
                  transform: `translateY(${item.start}px)`,
                }}
                tabIndex={doc ? 0 : -1}
                onClick={() => doc && openDocument(doc.id)}
                onKeyDown={(e) => e.key === 'Enter' && doc && openDocument(doc.id)}
              >
                {doc ? (
                  <>
                    <span role="cell" className="col-date">
                      {f.dateTime(doc.date)}
                    </span>
                    <span
                      role="cell"
                      className="col-counterparty"
                      title={`${doc.counterparty.name}, ${doc.counterparty.inn}`}
                    >
                      {doc.counterparty.name}
                    </span>
                    <span role="cell" className="col-title">
                      {doc.title}
                    </span>
                    <span role="cell" className="col-file">
                      {doc.fileName}
                    </span>
                    <span role="cell" className="col-status">
                      <span className={`status status-${doc.status}`}>{t(`status.${doc.status}`)}</span>
                    </span>
                  </>
                ) : (
                  <span role="cell" className="placeholder">
                    {t('common.loading')}
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
