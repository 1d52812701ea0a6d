// Check digits of the numbers the tax authorities assign, so a mistyped digit is refused where it
// is entered rather than discovered by a counterparty (FNS order ММВ-7-6/435@, Kazakh BIN rules).
const digitsOf = (value: string) => [...value].map(Number);
const weighted = (digits: number[], weights: number[]) => weights.reduce((sum, w, i) => sum + w * digits[i]!, 0);
const innCheck = (digits: number[], weights: number[]) => (weighted(digits, weights) % 11) % 10;

/** A Russian INN: 10 digits (an organization) or 12 (a person), with its check digits. */
export function isRussianInn(value: string): boolean {
  // The FNS schemas also forbid 00 as the first two digits (the tax office code).
  if (!/^(\d{10}|\d{12})$/.test(value) || value.startsWith('00')) return false;
  const d = digitsOf(value);
  if (d.length === 10) return innCheck(d, [2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9];
  return (
    innCheck(d, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && innCheck(d, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11]
  );
}

/** A Kazakh BIN or IIN: 12 digits, the last a check digit over weights 1–11, or 3–11, 1, 2 when that gives 10. */
export function isKazakhBin(value: string): boolean {
  if (!/^\d{12}$/.test(value)) return false;
  const d = digitsOf(value);
  let check = weighted(d, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11;
  if (check === 10) check = weighted(d, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) % 11;
  return check !== 10 && check === d[11];
}

/** OGRN (13 digits) or OGRNIP (15 digits) with its check digit. */
export function isOgrn(value: string): boolean {
  if (!/^(\d{13}|\d{15})$/.test(value)) return false;
  const body = BigInt(value.slice(0, -1));
  return String((body % (value.length === 13 ? 11n : 13n)) % 10n) === value.slice(-1);
}
