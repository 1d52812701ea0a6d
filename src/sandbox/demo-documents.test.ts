import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { demoDocument } from './demo-documents';

const parties = {
  from: { name: 'АО "Демо-контрагент" & сыновья <1>', inn: '7809876549', kpp: '780901001' },
  to: { name: 'ООО "Ромашка (песочница)"', inn: '7701234560' },
};
const at = new Date(2026, 10, 22, 10, 30);

describe('the demo documents', () => {
  it('come in turn as an invoice, a letter and a reconciliation statement, numbered and dated', () => {
    expect(
      [1, 2, 3, 4].map((n) => [demoDocument(n, parties, at).fileName, demoDocument(n, parties, at).title]),
    ).toEqual([
      ['invoice-1.xml', 'Счёт на оплату № 1 от 22.11.2026'],
      ['letter-2.txt', 'Письмо исх. № 2 от 22.11.2026'],
      ['reconciliation-3.csv', 'Акт сверки № 3 от 22.11.2026'],
      ['invoice-4.xml', 'Счёт на оплату № 4 от 22.11.2026'],
    ]);
  });

  it('make a well-formed invoice whatever the names hold, with totals that add up', () => {
    const xml = demoDocument(4, parties, at).content.toString('utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain(
      '<Поставщик ИНН="7809876549" КПП="780901001">АО "Демо-контрагент" &amp; сыновья &lt;1&gt;</Поставщик>',
    );
    const sums = [...xml.matchAll(/ Сумма="(\d+\.\d\d)"\/>/g)].map((m) => Math.round(Number(m[1]) * 100));
    const total = Math.round(Number(/<Итого Сумма="(\d+\.\d\d)"/.exec(xml)![1]) * 100);
    expect(sums.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('name both parties in the letter and the statement', () => {
    for (const n of [2, 3]) {
      const text = demoDocument(n, parties, at).content.toString('utf8');
      expect(text).toContain(parties.from.name);
      expect(text).toContain(parties.to.name);
    }
  });
});
