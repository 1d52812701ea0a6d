// GOST R 34.10-2012 and Streebog, ours against OpenSSL's GOST engine measured in the same run:
// sign and verify per second (256 and 512 bit; verify with a signer's key seen before, as the
// hub sees the same signers all day, and with a new key each time), Streebog MiB/s against
// `openssl dgst -md_gost12_256`, and the RSS growth while a 1 GiB file is hashed (limit 64 MiB).
// OpenSSL's rates come from a child Node process with the engine loaded (crypto.setEngine), so
// both sides pay the same JavaScript call overhead and the engine stays out of this process.
// Run: npx tsx bench/crypto/gost.ts [--seconds S] [--rounds N] [--gib G]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { digestContent } from '../../src/crypto/digest';
import { generatePrivateKey, gostSign, gostVerify, publicKeyOf } from '../../src/crypto/gost3410';
import { isGostPrivateKey } from '../../src/crypto/key-signer';
import { readPrivateKey } from '../../src/crypto/private-keys';
import { streebog } from '../../src/crypto/streebog';

let seconds = 1;
let rounds = 3;
let gib = 1;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const engine = '/usr/lib/x86_64-linux-gnu/engines-3/gost.so';

function rate(run: (i: number) => unknown): number {
  const started = process.hrtime.bigint();
  const until = started + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < until) run(count++);
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** sign/s and verify/s of OpenSSL's GOST engine over `data` with the key file, in a child process. */
function opensslRates(keyFile: string, bits: number, dataHex: string): { sign: number; verify: number } {
  const script = `
    const c = require('node:crypto'); const fs = require('node:fs');
    c.setEngine(${JSON.stringify(engine)}, c.constants.ENGINE_METHOD_ALL);
    const key = c.createPrivateKey(fs.readFileSync(${JSON.stringify(keyFile)})); const pub = c.createPublicKey(key);
    const data = Buffer.from(${JSON.stringify(dataHex)}, 'hex'); const md = 'md_gost12_${bits}';
    const rate = (run) => { const t = process.hrtime.bigint(), u = t + ${Math.round(seconds * 1e9)}n; let n = 0;
      while (process.hrtime.bigint() < u) { run(); n++; } return n / (Number(process.hrtime.bigint() - t) / 1e9); };
    let s; const sign = rate(() => { s = c.sign(md, data, key); });
    if (!c.verify(md, data, pub, s)) throw new Error('OpenSSL rejects its own signature');
    const verify = rate(() => c.verify(md, data, pub, s));
    console.log(JSON.stringify({ sign, verify }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
    sign: number;
    verify: number;
  };
}

function signatures(dir: string): void {
  console.log(
    `GOST R 34.10-2012 per second, median of ${rounds} rounds of ${seconds} s, over 300 bytes (a signed-attributes size),`,
  );
  console.log('Streebog included; limit = OpenSSL 3 with the GOST engine, same key, same data, same run');
  const data = randomBytes(300);
  for (const { bits, paramset } of [
    { bits: 256, paramset: 'A' },
    { bits: 512, paramset: 'A' },
  ] as const) {
    const keyFile = join(dir, `bench-${bits}.key`);
    execFileSync(
      'openssl',
      [
        'genpkey',
        '-engine',
        'gost',
        '-algorithm',
        `gost2012_${bits}`,
        '-pkeyopt',
        `paramset:${paramset}`,
        '-out',
        keyFile,
      ],
      { stdio: 'ignore' },
    );
    const key = readPrivateKey(readFileSync(keyFile));
    if (!isGostPrivateKey(key)) throw new Error('not a GOST key');
    const publicKey = publicKeyOf(key);
    const signature = gostSign(key, streebog(bits, data));
    // Strangers: more keys than the verifier keeps tables for, taken in turn across rounds, so
    // each check is a first one (a key seen again while still remembered would build its table).
    let nextStranger = 0;
    const strangers = Array.from({ length: 300 }, () => {
      const k = generatePrivateKey(key.curve);
      return { publicKey: publicKeyOf(k), signature: gostSign(k, streebog(bits, data)) };
    });
    const ours = { sign: [] as number[], verify: [] as number[], cold: [] as number[] };
    const theirs = { sign: [] as number[], verify: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      ours.sign.push(rate(() => gostSign(key, streebog(bits, data))));
      ours.verify.push(rate(() => gostVerify(publicKey, streebog(bits, data), signature) || fail('our verify')));
      ours.cold.push(
        rate(() => {
          const stranger = strangers[nextStranger++ % strangers.length]!;
          return gostVerify(stranger.publicKey, streebog(bits, data), stranger.signature) || fail('our cold verify');
        }),
      );
      const openssl = opensslRates(keyFile, bits, data.toString('hex'));
      theirs.sign.push(openssl.sign);
      theirs.verify.push(openssl.verify);
    }
    const line = (what: string, r: number, limit: number) =>
      console.log(
        `  ${what.padEnd(34)} ${r.toFixed(0).padStart(6)}/s  OpenSSL ${limit.toFixed(0).padStart(6)}/s  ratio ${(r / limit).toFixed(3)}`,
      );
    console.log(`\n${bits} bit (${key.curve.name}):`);
    line('sign', median(ours.sign), median(theirs.sign));
    line('verify, a signer seen before', median(ours.verify), median(theirs.verify));
    line('verify, a new signer each time', median(ours.cold), median(theirs.verify));
  }
}

function fail(what: string): never {
  throw new Error(`${what} rejects a good signature`);
}

function hashing(dir: string): void {
  const size = 64 << 20;
  const file = join(dir, 'hash.bin');
  const data = randomBytes(size);
  writeFileSync(file, data);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let started = process.hrtime.bigint();
    const digest = streebog(256, data).toString('hex');
    ours.push(64 / (Number(process.hrtime.bigint() - started) / 1e9));
    started = process.hrtime.bigint();
    const out = spawnSync('openssl', ['dgst', '-engine', 'gost', '-md_gost12_256', '-r', file], { encoding: 'utf8' });
    theirs.push(64 / (Number(process.hrtime.bigint() - started) / 1e9));
    if (out.stdout.split(' ')[0] !== digest) throw new Error('Streebog disagrees with openssl dgst');
  }
  console.log(
    `\nStreebog-256 over 64 MiB in memory, median of ${rounds}; limit = openssl dgst -md_gost12_256 on the same bytes (from a file)`,
  );
  console.log(
    `  ours ${median(ours).toFixed(1)} MiB/s  openssl ${median(theirs).toFixed(1)} MiB/s  ratio ${(median(ours) / median(theirs)).toFixed(3)}`,
  );
}

async function memory(dir: string): Promise<void> {
  const file = join(dir, 'big.bin');
  writeFileSync(file, '');
  truncateSync(file, gib * 1024 ** 3); // sparse: reads as zeros, costs no disk
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = process.hrtime.bigint();
  await digestContent({ path: file }, 'streebog256');
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  const growth = (peak - before) / 2 ** 20;
  const took = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `\nStreebog-256 of a ${gib} GiB file as a stream: ${took.toFixed(1)} s, RSS growth ${growth.toFixed(1)} MiB; limit 64 MiB, ratio ${(growth / 64).toFixed(3)}`,
  );
}

export async function benchGost(options: { seconds?: number; rounds?: number; gib?: number } = {}): Promise<void> {
  seconds = options.seconds ?? seconds;
  rounds = options.rounds ?? rounds;
  gib = options.gib ?? gib;
  const dir = mkdtempSync(join(tmpdir(), 'edo-bench-gost-'));
  try {
    signatures(dir);
    hashing(dir);
    await memory(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, rounds: { type: 'string' }, gib: { type: 'string' } },
  });
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  benchGost({ seconds: number(values.seconds), rounds: number(values.rounds), gib: number(values.gib) }).catch(
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
