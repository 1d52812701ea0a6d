// The small, realistic documents the demo counterparty sends: an invoice (XML), a covering
// letter (text) and a reconciliation statement (CSV), in turn, numbered.
export interface DemoDocument {
  title: string;
  fileName: string;
  content: Buffer;
  /** A reconciliation statement is signed by both sides: it goes with a request for the clerk's signature. */
  signatureRequested: boolean;
}

export interface DemoParties {
  from: { name: string; inn: string; kpp?: string };
  to: { name: string; inn: string; kpp?: string };
}

const ruDate = (d: Date) =>
  `${String(d.getDate()).padStart(2, '0')}.${String(d.getMonth() + 1).padStart(2, '0')}.${d.getFullYear()}`;
const rub = (kopecks: number) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlAttribute = (s: string) => xmlText(s).replace(/"/g, '&quot;');

const goods = [
  { name: 'Бумага офисная А4, 500 листов', unit: 'пач', price: 42_900 },
  { name: 'Картридж для принтера', unit: 'шт', price: 389_000 },
  { name: 'Папка-регистратор 75 мм', unit: 'шт', price: 23_500 },
  { name: 'Ручка шариковая синяя', unit: 'шт', price: 3_900 },
];

function invoice(n: number, p: DemoParties, at: Date): DemoDocument {
  const lines = goods.slice(0, 2 + (n % 3)).map((g, i) => ({ ...g, quantity: ((n + i) % 5) + 1 }));
  const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
  const vat = Math.round((total * 20) / 120);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<СчётНаОплату Номер="${n}" Дата="${ruDate(at)}">
  <Поставщик ИНН="${p.from.inn}"${p.from.kpp ? ` КПП="${p.from.kpp}"` : ''}>${xmlText(p.from.name)}</Поставщик>
  <Покупатель ИНН="${p.to.inn}"${p.to.kpp ? ` КПП="${p.to.kpp}"` : ''}>${xmlText(p.to.name)}</Покупатель>
  <Товары>
${lines.map((l, i) => `    <Строка Номер="${i + 1}" Наименование="${xmlAttribute(l.name)}" ЕдИзм="${l.unit}" Количество="${l.quantity}" Цена="${rub(l.price)}" Сумма="${rub(l.price * l.quantity)}"/>`).join('\n')}
  </Товары>
  <Итого Сумма="${rub(total)}" ВТомЧислеНДС="${rub(vat)}" Валюта="RUB"/>
  <Назначение>Оплата по счёту № ${n} от ${ruDate(at)}. Демонстрационный документ песочницы EDO Clerk.</Назначение>
</СчётНаОплату>
`;
  return {
    title: `Счёт на оплату № ${n} от ${ruDate(at)}`,
    fileName: `invoice-${n}.xml`,
    content: Buffer.from(xml, 'utf8'),
    signatureRequested: false,
  };
}

function letter(n: number, p: DemoParties, at: Date): DemoDocument {
  const text = `${p.from.name}
ИНН ${p.from.inn}

Исх. № ${n} от ${ruDate(at)}

${p.to.name}

Уважаемые коллеги!

Направляем вам документы по договору поставки и просим подтвердить их получение
извещением о получении в системе электронного документооборота.

Это демонстрационное письмо песочницы EDO Clerk: оно подписано демонстрационным
ключом и юридической силы не имеет.

С уважением,
отдел документационного обеспечения
${p.from.name}
`;
  return {
    title: `Письмо исх. № ${n} от ${ruDate(at)}`,
    fileName: `letter-${n}.txt`,
    content: Buffer.from(text, 'utf8'),
    signatureRequested: false,
  };
}

function reconciliation(n: number, p: DemoParties, at: Date): DemoDocument {
  const rows = [1, 2, 3].map((i) => {
    const d = new Date(at.getTime() - (4 - i) * 7 * 24 * 3600_000);
    return `${ruDate(d)};Реализация № ${n * 10 + i};${rub(((n * 7919 + i * 104_729) % 5_000_000) + 100_000)};0.00`;
  });
  const csv = `Акт сверки взаимных расчётов № ${n} от ${ruDate(at)}
Между;${p.from.name} (ИНН ${p.from.inn});и;${p.to.name} (ИНН ${p.to.inn})
Дата;Документ;Дебет;Кредит
${rows.join('\n')}
`;
  return {
    title: `Акт сверки № ${n} от ${ruDate(at)}`,
    fileName: `reconciliation-${n}.csv`,
    content: Buffer.from(csv, 'utf8'),
    signatureRequested: true,
  };
}

const kinds = [invoice, letter, reconciliation];

/** The n-th demo document (n from 1): an invoice, a letter, a reconciliation statement, in turn. */
export function demoDocument(n: number, parties: DemoParties, at: Date): DemoDocument {
  return kinds[(n - 1) % kinds.length]!(n, parties, at);
}
