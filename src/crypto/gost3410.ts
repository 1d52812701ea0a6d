// GOST R 34.10-2012 signatures (RFC 7091) over BigInt: our own code, not a library's. The
// research found one usable package (GostCrypto, 2016, JSBN big integers) whose OID-to-curve
// table is wrong and whose nonce falls back to Math.random; what we would keep of it (the
// curve arithmetic) is short, and owning it gives one curve table (RFC 7836 / gost-engine
// gost_params.c), the nonce from crypto.randomBytes with rejection sampling (no modulo
// bias), no dependency, and the speed the hub needs (fixed-base tables for the generator).
// All curves are in short Weierstrass form; the twisted-Edwards sets (tc26 256 A, 512 C)
// are given in their Weierstrass form as RFC 7836 publishes it.
// Byte orders (research note §3): digest read as a little-endian integer; signature s‖r,
// each big-endian; public key x‖y and private key little-endian.
import { randomBytes } from 'node:crypto';

export interface GostCurve {
  /** The parameter set's OID, e.g. 1.2.643.7.1.2.1.1.1. */
  oid: string;
  /** As a clerk's tools print it: "tc26 256 A", "CryptoPro A". */
  name: string;
  /** Key and hash size: 256 or 512. */
  bits: 256 | 512;
  p: bigint;
  a: bigint;
  b: bigint;
  /** Order of the generator's subgroup. */
  q: bigint;
  x: bigint;
  y: bigint;
}

const h = (hex: string) => BigInt(`0x${hex.replace(/\s+/g, '')}`);

const cryptoProA = {
  p: h('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97'),
  a: h('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94'),
  b: 0xa6n,
  q: h('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893'),
  x: 1n,
  y: h('8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14'),
};
const cryptoProB = {
  p: h('8000000000000000000000000000000000000000000000000000000000000C99'),
  a: h('8000000000000000000000000000000000000000000000000000000000000C96'),
  b: h('3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B'),
  q: h('800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F'),
  x: 1n,
  y: h('3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC'),
};
const cryptoProC = {
  p: h('9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B'),
  a: h('9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598'),
  b: 0x805an,
  q: h('9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9'),
  x: 0n,
  y: h('41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67'),
};
const test256 = {
  p: h('8000000000000000000000000000000000000000000000000000000000000431'),
  a: 7n,
  b: h('5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E'),
  q: h('8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3'),
  x: 2n,
  y: h('08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8'),
};
const tc26A256 = {
  p: h('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97'),
  a: h('C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335'),
  b: h('295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513'),
  q: h('400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67'),
  x: h('91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28'),
  y: h('32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C'),
};
const test512 = {
  p: h(`4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D
        F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373`),
  a: 7n,
  b: h(`1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43
        61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC`),
  q: h(`4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D
        A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF`),
  x: h(`24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762
        FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A`),
  y: h(`2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C
        83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E`),
};
const tc26A512 = {
  p: h(`FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7`),
  a: h(`FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4`),
  b: h(`E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265
        EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760`),
  q: h(`FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275`),
  x: 3n,
  y: h(`7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921
        DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4`),
};
const tc26B512 = {
  p: h(`8000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000006F`),
  a: h(`8000000000000000000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000000000000000000006C`),
  b: h(`687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F
        3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116`),
  q: h(`8000000000000000000000000000000000000000000000000000000000000001
        49A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD`),
  x: 2n,
  y: h(`1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335
        DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD`),
};
const tc26C512 = {
  p: tc26A512.p,
  a: h(`DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E1430645
        46E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3`),
  b: h(`B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE0
        38CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1`),
  q: h(`3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        C98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED`),
  x: h(`E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043A
        A27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148`),
  y: h(`F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9B
        E18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F`),
};

/** Every parameter set of GOST R 34.10-2012 in use, by OID (RFC 4357, RFC 7836). */
export const gostCurves: readonly GostCurve[] = [
  { oid: '1.2.643.2.2.35.0', name: 'test', bits: 256, ...test256 },
  { oid: '1.2.643.2.2.35.1', name: 'CryptoPro A', bits: 256, ...cryptoProA },
  { oid: '1.2.643.2.2.35.2', name: 'CryptoPro B', bits: 256, ...cryptoProB },
  { oid: '1.2.643.2.2.35.3', name: 'CryptoPro C', bits: 256, ...cryptoProC },
  { oid: '1.2.643.2.2.36.0', name: 'CryptoPro XchA', bits: 256, ...cryptoProA },
  { oid: '1.2.643.2.2.36.1', name: 'CryptoPro XchB', bits: 256, ...cryptoProC },
  { oid: '1.2.643.7.1.2.1.1.1', name: 'tc26 256 A', bits: 256, ...tc26A256 },
  { oid: '1.2.643.7.1.2.1.1.2', name: 'tc26 256 B', bits: 256, ...cryptoProA },
  { oid: '1.2.643.7.1.2.1.1.3', name: 'tc26 256 C', bits: 256, ...cryptoProB },
  { oid: '1.2.643.7.1.2.1.1.4', name: 'tc26 256 D', bits: 256, ...cryptoProC },
  { oid: '1.2.643.7.1.2.1.2.0', name: 'tc26 512 test', bits: 512, ...test512 },
  { oid: '1.2.643.7.1.2.1.2.1', name: 'tc26 512 A', bits: 512, ...tc26A512 },
  { oid: '1.2.643.7.1.2.1.2.2', name: 'tc26 512 B', bits: 512, ...tc26B512 },
  { oid: '1.2.643.7.1.2.1.2.3', name: 'tc26 512 C', bits: 512, ...tc26C512 },
];

export function gostCurve(oid: string): GostCurve | undefined {
  return gostCurves.find((c) => c.oid === oid);
}

// --- Field and point arithmetic (Jacobian coordinates: x = X/Z², y = Y/Z³) ---

interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}
interface Affine {
  x: bigint;
  y: bigint;
}

const infinity: Jacobian = { x: 1n, y: 1n, z: 0n };

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a⁻¹ mod m (extended Euclid); m prime, a not 0 mod m. */
export function invert(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [s0, s1] = [s1, s0 - quotient * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

class Arithmetic {
  /** a = -3 (CryptoPro A/B, tc26 512 A/B): 3x² + az⁴ = 3(x - z²)(x + z²), two products fewer. */
  private readonly aIsMinus3: boolean;

  constructor(readonly curve: GostCurve) {
    this.aIsMinus3 = curve.a === curve.p - 3n;
  }

  double(P: Jacobian): Jacobian {
    const { p, a } = this.curve;
    if (P.z === 0n || P.y === 0n) return infinity;
    const yy = (P.y * P.y) % p;
    const zz = (P.z * P.z) % p;
    const s = (4n * P.x * yy) % p;
    const m = this.aIsMinus3 ? mod(3n * (P.x - zz) * (P.x + zz), p) : (3n * P.x * P.x + a * ((zz * zz) % p)) % p;
    const x = mod(m * m - 2n * s, p);
    const y = mod(m * (s - x) - 8n * ((yy * yy) % p), p);
    const z = (2n * P.y * P.z) % p;
    return { x, y, z };
  }

  /** P + Q, with Q affine (z = 1) when `qAffine`; the general Jacobian addition otherwise. */
  add(P: Jacobian, Q: Jacobian, qAffine = false): Jacobian {
    const { p } = this.curve;
    if (P.z === 0n) return Q;
    if (Q.z === 0n) return P;
    const z1z1 = (P.z * P.z) % p;
    const u2 = (Q.x * z1z1) % p;
    const s2 = (((Q.y * P.z) % p) * z1z1) % p;
    let u1 = P.x;
    let s1 = P.y;
    if (!qAffine) {
      const z2z2 = (Q.z * Q.z) % p;
      u1 = (P.x * z2z2) % p;
      s1 = (((P.y * Q.z) % p) * z2z2) % p;
    }
    const hh = mod(u2 - u1, p);
    const r = mod(s2 - s1, p);
    if (hh === 0n) return r === 0n ? this.double(P) : infinity;
    const h2 = (hh * hh) % p;
    const h3 = (hh * h2) % p;
    const v = (u1 * h2) % p;
    const x = mod(r * r - h3 - 2n * v, p);
    const y = mod(r * (v - x) - s1 * h3, p);
    const z = qAffine ? (P.z * hh) % p : (((P.z * Q.z) % p) * hh) % p;
    return { x, y, z };
  }

  affine(P: Jacobian): Affine | undefined {
    const { p } = this.curve;
    if (P.z === 0n) return undefined;
    const zi = invert(P.z, p);
    const zi2 = (zi * zi) % p;
    return { x: (P.x * zi2) % p, y: (((P.y * zi2) % p) * zi) % p };
  }

  /** Many points to affine with one inversion (Montgomery's trick); none may be at infinity. */
  affineAll(points: Jacobian[]): Affine[] {
    const { p } = this.curve;
    const prefix: bigint[] = [];
    let acc = 1n;
    for (const P of points) {
      prefix.push(acc);
      acc = (acc * P.z) % p;
    }
    let inv = invert(acc, p);
    const out: Affine[] = new Array<Affine>(points.length);
    for (let i = points.length - 1; i >= 0; i--) {
      const P = points[i]!;
      const zi = (inv * prefix[i]!) % p;
      inv = (inv * P.z) % p;
      const zi2 = (zi * zi) % p;
      out[i] = { x: (P.x * zi2) % p, y: (((P.y * zi2) % p) * zi) % p };
    }
    return out;
  }

  onCurve({ x, y }: Affine): boolean {
    const { p, a, b } = this.curve;
    return x >= 0n && x < p && y >= 0n && y < p && mod(y * y - ((x * x + a) * x + b), p) === 0n;
  }

  /** P, 3P, 5P, …, (2n-1)·P, affine (one inversion). None is at infinity: the point's order is q or divides 4q (the cofactor). */
  private oddMultiples(P: Affine, n: number): Affine[] {
    const base: Jacobian = { ...P, z: 1n };
    const twice = this.double(base);
    const odd: Jacobian[] = [base];
    for (let i = 1; i < n; i++) odd.push(this.add(odd[i - 1]!, twice));
    return this.affineAll(odd);
  }

  /** R + digit·T, T the odd multiples of a point: the digit's, negated for a negative digit. */
  private addDigit(R: Jacobian, digit: number, odd: Affine[]): Jacobian {
    if (digit === 0) return R;
    const { x, y } = odd[(Math.abs(digit) - 1) >> 1]!;
    return this.add(R, { x, y: digit > 0 ? y : this.curve.p - y, z: 1n }, true);
  }

  private generatorOdd?: Affine[];

  /**
   * z1·G + z2·P for a key at first sight in one chain of doublings (Shamir's trick): z2 in
   * width-5 NAF over P, 3P, …, 15P, z1 in width-8 NAF over G, 3G, …, 255G (made once per
   * curve), so one mixed addition per six bits of z2 and per nine of z1. The doublings are
   * most of what is left.
   */
  private combine(z1: bigint, P: Affine, z2: bigint): Jacobian {
    const generator = (this.generatorOdd ??= this.oddMultiples({ x: this.curve.x, y: this.curve.y }, 128));
    const key = this.oddMultiples(P, 8);
    const d1 = nafDigits(z1, 8);
    const d2 = nafDigits(z2, 5);
    let result = infinity;
    for (let i = Math.max(d1.length, d2.length) - 1; i >= 0; i--) {
      result = this.addDigit(this.addDigit(this.double(result), d1[i] ?? 0, generator), d2[i] ?? 0, key);
    }
    return result;
  }

  private generatorTable?: Affine[][];

  /** k·G by a table of j·16^i·G (built on first use): one affine addition per 4 bits, no doublings. */
  multiplyGenerator(k: bigint): Jacobian {
    return this.multiplyByTable((this.generatorTable ??= this.buildTable({ x: this.curve.x, y: this.curve.y })), k);
  }

  /**
   * z1·G + z2·P for a signer's key P: Shamir's chain the first time, fixed-base tables (no
   * doublings) from the second on. The hub and a session check the same few signers' keys over
   * and over; a table costs about five multiplications and then makes each check several times cheaper.
   */
  combination(z1: bigint, P: Affine, z2: bigint): Jacobian {
    const id = `${P.x}:${P.y}`;
    const known = keyTables.get(id);
    if (known === undefined) {
      keyTables.set(id, null);
      if (keyTables.size > keyTableLimit) keyTables.delete(keyTables.keys().next().value!);
      return this.combine(z1, P, z2);
    }
    const table = known ?? this.buildTable(P);
    if (!known) keyTables.set(id, table);
    return this.add(this.multiplyGenerator(z1), this.multiplyByTable(table, z2));
  }

  private multiplyByTable(table: Affine[][], k: bigint): Jacobian {
    let result = infinity;
    for (let i = 0; k > 0n; i++, k >>= 4n) {
      const digit = Number(k & 15n);
      if (digit) result = this.add(result, { ...table[i]![digit - 1]!, z: 1n }, true);
    }
    return result;
  }

  private buildTable(point: Affine): Affine[][] {
    const windows = this.curve.bits / 4 + 1;
    const points: Jacobian[] = [];
    let base: Jacobian = { ...point, z: 1n };
    for (let i = 0; i < windows; i++) {
      let multiple = base;
      for (let j = 1; j < 16; j++) {
        points.push(multiple);
        multiple = this.add(multiple, base);
      }
      base = multiple; // 16·base
    }
    const affine = this.affineAll(points);
    return Array.from({ length: windows }, (_, i) => affine.slice(i * 15, i * 15 + 15));
  }
}

/** The width-w NAF of k ≥ 0, least significant digit first: odd digits below 2^(w-1) in size, each followed by at least w-1 zeros. */
function nafDigits(k: bigint, w: number): number[] {
  const mask = BigInt((1 << w) - 1);
  const digits: number[] = [];
  while (k > 0n) {
    let digit = 0;
    if (k & 1n) {
      digit = Number(k & mask);
      if (digit > 1 << (w - 1)) digit -= 1 << w;
      k -= BigInt(digit);
    }
    digits.push(digit);
    k >>= 1n;
  }
  return digits;
}

/** Public keys seen (null: once, no table yet) and their tables; a few hundred signers at most matter. */
const keyTables = new Map<string, Affine[][] | null>();
const keyTableLimit = 256;

const arithmetics = new Map<string, Arithmetic>();
function arithmetic(curve: GostCurve): Arithmetic {
  let found = arithmetics.get(curve.oid);
  if (!found) arithmetics.set(curve.oid, (found = new Arithmetic(curve)));
  return found;
}

// --- Encodings ---

const byteLength = (curve: GostCurve) => curve.bits / 8;

export function bigFromBytes(bytes: Uint8Array, littleEndian: boolean): bigint {
  const hex = Buffer.from(bytes).toString('hex');
  const ordered = littleEndian ? Buffer.from(bytes).reverse().toString('hex') : hex;
  return ordered ? BigInt(`0x${ordered}`) : 0n;
}

export function bigToBytes(value: bigint, length: number, littleEndian: boolean): Buffer {
  const bytes = Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
  if (bytes.length !== length) throw new Error(`a ${length}-byte value is expected`);
  return littleEndian ? bytes.reverse() : bytes;
}

export interface GostPublicKey {
  curve: GostCurve;
  x: bigint;
  y: bigint;
}

export interface GostPrivateKey {
  curve: GostCurve;
  d: bigint;
}

/** The public key from the OCTET STRING content of an SPKI (or a token's CKA_VALUE): x‖y, little-endian. */
export function decodePublicPoint(curve: GostCurve, bytes: Buffer): GostPublicKey {
  const size = byteLength(curve);
  if (bytes.length !== 2 * size) {
    throw new Error(`a GOST R 34.10-2012 ${curve.bits}-bit public key has ${2 * size} bytes, not ${bytes.length}`);
  }
  const key = { curve, x: bigFromBytes(bytes.subarray(0, size), true), y: bigFromBytes(bytes.subarray(size), true) };
  if (!arithmetic(curve).onCurve(key)) throw new Error(`the GOST public key is not a point of the ${curve.name} curve`);
  return key;
}

export function encodePublicPoint(key: GostPublicKey): Buffer {
  const size = byteLength(key.curve);
  return Buffer.concat([bigToBytes(key.x, size, true), bigToBytes(key.y, size, true)]);
}

export function publicKeyOf(key: GostPrivateKey): GostPublicKey {
  const point = arithmetic(key.curve).affine(arithmetic(key.curve).multiplyGenerator(key.d));
  if (!point) throw new Error('the GOST private key is not valid');
  return { curve: key.curve, ...point };
}

export function privateKeyFromBytes(curve: GostCurve, bytes: Buffer, littleEndian = true): GostPrivateKey {
  const d = bigFromBytes(bytes, littleEndian) % curve.q;
  if (d === 0n) throw new Error('the GOST private key is zero');
  return { curve, d };
}

/** A uniform 0 < k < q from crypto.randomBytes: bits above q's length masked, values ≥ q drawn again. */
export function randomScalar(q: bigint): bigint {
  const bits = q.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const k = bigFromBytes(randomBytes(bytes), false) & mask;
    if (k > 0n && k < q) return k;
  }
}

export function generatePrivateKey(curve: GostCurve): GostPrivateKey {
  return { curve, d: randomScalar(curve.q) };
}

function digestScalar(curve: GostCurve, digest: Buffer): bigint {
  if (digest.length !== byteLength(curve)) {
    throw new Error(
      `a ${curve.bits}-bit GOST key signs a ${byteLength(curve)}-byte digest, not ${digest.length} bytes`,
    );
  }
  const e = bigFromBytes(digest, true) % curve.q;
  return e === 0n ? 1n : e;
}

/**
 * Signs a Streebog digest (as the hash outputs it). Returns s‖r, each big-endian, as CMS and
 * PKCS#11 tokens carry it. `nonce` is for the fixed-k test vectors only.
 */
export function gostSign(
  key: GostPrivateKey,
  digest: Buffer,
  nonce: () => bigint = () => randomScalar(key.curve.q),
): Buffer {
  const { curve, d } = key;
  const math = arithmetic(curve);
  const e = digestScalar(curve, digest);
  for (;;) {
    const k = nonce();
    const point = math.affine(math.multiplyGenerator(k));
    if (!point) continue;
    const r = point.x % curve.q;
    if (r === 0n) continue;
    const s = (r * d + k * e) % curve.q;
    if (s === 0n) continue;
    const size = byteLength(curve);
    return Buffer.concat([bigToBytes(s, size, false), bigToBytes(r, size, false)]);
  }
}

/** Checks s‖r over a Streebog digest; false for anything malformed. */
export function gostVerify(key: GostPublicKey, digest: Buffer, signature: Buffer): boolean {
  const { curve } = key;
  const size = byteLength(curve);
  if (signature.length !== 2 * size || digest.length !== size) return false;
  const s = bigFromBytes(signature.subarray(0, size), false);
  const r = bigFromBytes(signature.subarray(size), false);
  const { q } = curve;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const math = arithmetic(curve);
  const v = invert(digestScalar(curve, digest), q);
  const z1 = (s * v) % q;
  const z2 = mod(-r * v, q);
  const point = math.affine(math.combination(z1, key, z2));
  return point !== undefined && point.x % q === r;
}
