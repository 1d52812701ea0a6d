// GOST R 34.11-2012 "Streebog" (RFC 6986), 256- and 512-bit, as a streaming hash. Our own code:
// the constants of RFC 6986 §6, the S, P and L steps folded into eight 256-entry tables of
// 64-bit words (each word as two 32-bit halves, which V8 keeps unboxed), processed block by
// block so a file of any size hashes in constant memory. Bytes are in the order OpenSSL and
// the CMS messageDigest use (RFC 6986 prints its vectors as integers, i.e. byte-reversed).

const pi = Buffer.from(
  [
    'fceedd11cf6e3116fbc4fada23c5044de977f0db932e99ba1736f1bb14cd5fc1f918655ae25cef21811c3c428b018e4f',
    '058402aee36a8fa0060bed987fd4d31feb342c51eac848abf22a68a2fd3aceccb5700e56080c7612bf7213479cb75d87',
    '15a19629107b9ac7f391786f9d9eb2b13275193dff358a7e6d54c680c3bd0d57dff524a93ea843c9d779d6f67c22b903',
    'e00fecde7a94b0bcdce828504e330a4aa79760731e0062441ab83882649f2641ad454692275e552f8ca3a57d69d5953b',
    '0758b34086ac1df730376be488d9e789e11b83494c3ff8fe8d53aa90cad88561207167a42d2b095bcb9b25d0bee56c52',
    '59a674d2e6f4b4c0d166afc2394b63b6',
  ].join(''),
  'hex',
);

/** The matrix A of the linear step L, row j applied for bit 63 - j of a word. */
const matrixA = [
  '8e20faa72ba0b470 47107ddd9b505a38 ad08b0e0c3282d1c d8045870ef14980e 6c022c38f90a4c07 3601161cf205268d',
  '1b8e0b0e798c13c8 83478b07b2468764 a011d380818e8f40 5086e740ce47c920 2843fd2067adea10 14aff010bdd87508',
  '0ad97808d06cb404 05e23c0468365a02 8c711e02341b2d01 46b60f011a83988e 90dab52a387ae76f 486dd4151c3dfdb9',
  '24b86a840e90f0d2 125c354207487869 092e94218d243cba 8a174a9ec8121e5d 4585254f64090fa0 accc9ca9328a8950',
  '9d4df05d5f661451 c0a878a0a1330aa6 60543c50de970553 302a1e286fc58ca7 18150f14b9ec46dd 0c84890ad27623e0',
  '0642ca05693b9f70 0321658cba93c138 86275df09ce8aaa8 439da0784e745554 afc0503c273aa42a d960281e9d1d5215',
  'e230140fc0802984 71180a8960409a42 b60c05ca30204d21 5b068c651810a89e 456c34887a3805b9 ac361a443d1c8cd2',
  '561b0d22900e4669 2b838811480723ba 9bcf4486248d9f5d c3e9224312c8c1a0 effa11af0964ee50 f97d86d98a327728',
  'e4fa2054a80b329c 727d102a548b194e 39b008152acb8227 9258048415eb419d 492c024284fbaec0 aa16012142f35760',
  '550b8e9e21f7a530 a48b474f9ef5dc18 70a6a56e2440598e 3853dc371220a247 1ca76e95091051ad 0edd37c48a08a6d8',
  '07e095624504536c 8d70c431ac02a736 c83862965601dd1b 641c314b2b8ee083',
]
  .join(' ')
  .split(' ');

/** The iteration constants C1..C12 as RFC 6986 prints them (most significant byte first). */
const roundConstants = [
  'b1085bda1ecadae9ebcb2f81c0657c1f2f6a76432e45d016714eb88d7585c4fc' +
    '4b7ce09192676901a2422a08a460d31505767436cc744d23dd806559f2a64507',
  '6fa3b58aa99d2f1a4fe39d460f70b5d7f3feea720a232b9861d55e0f16b50131' +
    '9ab5176b12d699585cb561c2db0aa7ca55dda21bd7cbcd56e679047021b19bb7',
  'f574dcac2bce2fc70a39fc286a3d843506f15e5f529c1f8bf2ea7514b1297b7b' +
    'd3e20fe490359eb1c1c93a376062db09c2b6f443867adb31991e96f50aba0ab2',
  'ef1fdfb3e81566d2f948e1a05d71e4dd488e857e335c3c7d9d721cad685e353f' +
    'a9d72c82ed03d675d8b71333935203be3453eaa193e837f1220cbebc84e3d12e',
  '4bea6bacad4747999a3f410c6ca923637f151c1f1686104a359e35d7800fffbd' +
    'bfcd1747253af5a3dfff00b723271a167a56a27ea9ea63f5601758fd7c6cfe57',
  'ae4faeae1d3ad3d96fa4c33b7a3039c02d66c4f95142a46c187f9ab49af08ec6' +
    'cffaa6b71c9ab7b40af21f66c2bec6b6bf71c57236904f35fa68407a46647d6e',
  'f4c70e16eeaac5ec51ac86febf240954399ec6c7e6bf87c9d3473e33197a93c9' +
    '0992abc52d822c3706476983284a05043517454ca23c4af38886564d3a14d493',
  '9b1f5b424d93c9a703e7aa020c6e41414eb7f8719c36de1e89b4443b4ddbc49a' +
    'f4892bcb929b069069d18d2bd1a5c42f36acc2355951a8d9a47f0dd4bf02e71e',
  '378f5a541631229b944c9ad8ec165fde3a7d3a1b258942243cd955b7e00d0984' +
    '800a440bdbb2ceb17b2b8a9aa6079c540e38dc92cb1f2a607261445183235adb',
  'abbedea680056f52382ae548b2e4f3f38941e71cff8a78db1fffe18a1b336103' +
    '9fe76702af69334b7a1e6c303b7652f43698fad1153bb6c374b4c7fb98459ced',
  '7bcd9ed0efc889fb3002c6cd635afe94d8fa6bbbebab07612001802114846679' +
    '8a1d71efea48b9caefbacd1d7d476e98dea2594ac06fd85d6bcaa4cd81f32d1b',
  '378ee767f11631bad21380b00449b17acda43c32bcdf1d77f82012d430219f9b' +
    '5d80ef9d1891cc86e71da4aa88e12852faf417d5d9b21b9948bc924af11bd720',
];

/** A 512-bit block as 16 32-bit words: word 2i is the low half of 64-bit word i, 2i+1 the high half (little-endian). */
type Block = Uint32Array;

/** tableLo/tableHi[t * 256 + b]: L(Pi[b] placed in byte t of a word), the combined S, P and L steps. */
const tableLo = new Uint32Array(8 * 256);
const tableHi = new Uint32Array(8 * 256);
for (let t = 0; t < 8; t++) {
  for (let b = 0; b < 256; b++) {
    let lo = 0;
    let hi = 0;
    const s = pi[b]!;
    for (let m = 0; m < 8; m++) {
      if (!((s >> m) & 1)) continue;
      const row = matrixA[63 - 8 * t - m]!;
      hi ^= parseInt(row.slice(0, 8), 16);
      lo ^= parseInt(row.slice(8), 16);
    }
    tableLo[t * 256 + b] = lo >>> 0;
    tableHi[t * 256 + b] = hi >>> 0;
  }
}

function blockOf(bytes: Buffer): Block {
  const block = new Uint32Array(16);
  for (let i = 0; i < 16; i++) block[i] = bytes.readUInt32LE(i * 4);
  return block;
}

const constants: Block[] = roundConstants.map((hex) => blockOf(Buffer.from(hex, 'hex').reverse()));

/** out = LPS(a ^ b). `out` may be neither a nor b. Unrolled: this loop is where all the time goes. */
function lpsXor(a: Block, b: Block, out: Block): void {
  const x = xored;
  for (let i = 0; i < 16; i++) x[i] = a[i]! ^ b[i]!;
  for (let i = 0; i < 8; i++) {
    const shift = (i & 3) * 8;
    const h = i >> 2; // bytes 0..3 of a word are in its low half, 4..7 in its high half
    const b0 = ((x[0 + h]! >>> shift) & 0xff) + 0;
    const b1 = ((x[2 + h]! >>> shift) & 0xff) + 256;
    const b2 = ((x[4 + h]! >>> shift) & 0xff) + 512;
    const b3 = ((x[6 + h]! >>> shift) & 0xff) + 768;
    const b4 = ((x[8 + h]! >>> shift) & 0xff) + 1024;
    const b5 = ((x[10 + h]! >>> shift) & 0xff) + 1280;
    const b6 = ((x[12 + h]! >>> shift) & 0xff) + 1536;
    const b7 = ((x[14 + h]! >>> shift) & 0xff) + 1792;
    out[2 * i] =
      tableLo[b0]! ^
      tableLo[b1]! ^
      tableLo[b2]! ^
      tableLo[b3]! ^
      tableLo[b4]! ^
      tableLo[b5]! ^
      tableLo[b6]! ^
      tableLo[b7]!;
    out[2 * i + 1] =
      tableHi[b0]! ^
      tableHi[b1]! ^
      tableHi[b2]! ^
      tableHi[b3]! ^
      tableHi[b4]! ^
      tableHi[b5]! ^
      tableHi[b6]! ^
      tableHi[b7]!;
  }
}

const xored = new Uint32Array(16);

/** h = g_N(h, m) (RFC 6986 §8): E(LPS(h ^ N), m) ^ h ^ m. */
function compress(h: Block, n: Block, m: Block, k: Block, state: Block, scratch: Block): void {
  lpsXor(h, n, k);
  lpsXor(k, m, state);
  for (let i = 0; i < 11; i++) {
    lpsXor(k, constants[i]!, scratch);
    k.set(scratch);
    lpsXor(k, state, scratch);
    state.set(scratch);
  }
  lpsXor(k, constants[11]!, scratch);
  for (let i = 0; i < 16; i++) h[i] = (h[i]! ^ scratch[i]! ^ state[i]! ^ m[i]!) >>> 0;
}

/** a += b mod 2^512, both little-endian 32-bit words. */
function add512(a: Block, b: Block): void {
  let carry = 0;
  for (let i = 0; i < 16; i++) {
    const sum = a[i]! + b[i]! + carry;
    a[i] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}

export type StreebogSize = 256 | 512;

/** Streebog with node:crypto Hash's update/digest shape. */
export class Streebog {
  private readonly h = new Uint32Array(16);
  private readonly n = new Uint32Array(16);
  private readonly sigma = new Uint32Array(16);
  private readonly buffer = Buffer.alloc(64);
  private buffered = 0;
  private finished = false;
  // Scratch blocks, kept to hash without allocating per block.
  private readonly m = new Uint32Array(16);
  private readonly k = new Uint32Array(16);
  private readonly state = new Uint32Array(16);
  private readonly scratch = new Uint32Array(16);
  private readonly zero = new Uint32Array(16);
  private readonly length = new Uint32Array(16);

  constructor(readonly size: StreebogSize) {
    if (size !== 256 && size !== 512) throw new Error(`Streebog has 256 and 512 bit outputs, not ${String(size)}`);
    if (size === 256) this.h.fill(0x01010101);
  }

  update(data: Buffer | Uint8Array | string): this {
    if (this.finished) throw new Error('Streebog: update after digest');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    if (this.buffered > 0) {
      const take = Math.min(64 - this.buffered, bytes.length);
      this.buffer.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take;
      offset = take;
      if (this.buffered < 64) return this;
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; offset + 64 <= bytes.length; offset += 64) this.block(bytes, offset);
    this.buffer.set(bytes.subarray(offset), 0);
    this.buffered = bytes.length - offset;
    return this;
  }

  private block(bytes: Uint8Array, offset: number, bits = 512): void {
    const m = this.m;
    for (let i = 0; i < 16; i++) {
      const o = offset + i * 4;
      m[i] = (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
    }
    compress(this.h, this.n, m, this.k, this.state, this.scratch);
    this.length.fill(0);
    this.length[0] = bits;
    add512(this.n, this.length);
    add512(this.sigma, m);
  }

  digest(): Buffer {
    if (this.finished) throw new Error('Streebog: digest called twice');
    this.finished = true;
    const last = Buffer.alloc(64);
    this.buffer.copy(last, 0, 0, this.buffered);
    last[this.buffered] = 0x01;
    this.block(last, 0, this.buffered * 8);
    compress(this.h, this.zero, this.n, this.k, this.state, this.scratch);
    compress(this.h, this.zero, this.sigma, this.k, this.state, this.scratch);
    const out = Buffer.alloc(64);
    for (let i = 0; i < 16; i++) out.writeUInt32LE(this.h[i]!, i * 4);
    return this.size === 256 ? out.subarray(32) : out;
  }
}

export function streebog(size: StreebogSize, data: Buffer | Uint8Array): Buffer {
  return new Streebog(size).update(data).digest();
}
