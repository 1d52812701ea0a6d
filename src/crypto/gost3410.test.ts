// GOST R 34.10-2012 against its published examples: the RFC 7091 fixed-k signatures (256 and
// 512 bit), the RFC 9215 (draft-deremin-rfc4491-bis) example certificates and the TK26 ones
// (their base64 from pygost's test_x509.py: data, not code), and the curve table itself.
import { describe, expect, it } from 'vitest';
import { readChildren, readElement } from './der';
import {
  gostPrivateKeyFromPkcs8,
  gostPublicKeyFromSpki,
  encodeGostPkcs8,
  encodeGostSpki,
  spkiOfCertificate,
} from './gost-keys';
import { generatePrivateKey, gostCurve, gostCurves, gostSign, gostVerify, publicKeyOf, randomScalar } from './gost3410';
import { streebog } from './streebog';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const big = (s: string) => BigInt(`0x${s.replace(/\s+/g, '')}`);
/** RFC 7091 prints e as an integer; the digest bytes are read little-endian, so they are e reversed. */
const digestOfE = (e: string) => hex(e).reverse();

describe('the curve table', () => {
  it.each(gostCurves)('$name ($oid): the generator is on the curve and of order q', (curve) => {
    const { p, a, b, x, y, q } = curve;
    expect((((y * y - (x * x * x + a * x + b)) % p) + p) % p).toBe(0n);
    // q·G is the point at infinity: (q-1)·G = -G, whose x is G's.
    expect(publicKeyOf({ curve, d: q - 1n })).toEqual({ curve, x, y: p - y });
  });

  it('maps the tc26 OIDs as RFC 7836 does (B, C, D = CryptoPro A, B, C; A the Edwards curve)', () => {
    const same = (a: string, b: string) =>
      expect(gostCurve(a)!.p === gostCurve(b)!.p && gostCurve(a)!.q === gostCurve(b)!.q).toBe(true);
    same('1.2.643.7.1.2.1.1.2', '1.2.643.2.2.35.1');
    same('1.2.643.7.1.2.1.1.3', '1.2.643.2.2.35.2');
    same('1.2.643.7.1.2.1.1.4', '1.2.643.2.2.35.3');
    same('1.2.643.2.2.36.0', '1.2.643.2.2.35.1');
    same('1.2.643.2.2.36.1', '1.2.643.2.2.35.3');
    expect(gostCurve('1.2.643.7.1.2.1.1.1')!.q).toBe(
      big('400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67'),
    );
  });
});

describe('RFC 7091 examples (fixed k)', () => {
  it('§7.1, 256 bit: the public key and the signature s‖r exactly', () => {
    const curve = gostCurve('1.2.643.2.2.35.0')!;
    const key = { curve, d: big('7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28') };
    const publicKey = publicKeyOf(key);
    expect(publicKey.x).toBe(big('7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B'));
    expect(publicKey.y).toBe(big('26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA'));
    const digest = digestOfE('2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5');
    const signature = gostSign(key, digest, () =>
      big('77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3'),
    );
    expect(signature.toString('hex').toUpperCase()).toBe(
      '01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40' +
        '41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493',
    );
    expect(gostVerify(publicKey, digest, signature)).toBe(true);
    const tampered = Buffer.from(signature);
    tampered[63]! ^= 1;
    expect(gostVerify(publicKey, digest, tampered)).toBe(false);
  });

  it('§7.2, 512 bit: the public key and the signature s‖r exactly', () => {
    const curve = gostCurve('1.2.643.7.1.2.1.2.0')!;
    const key = {
      curve,
      d: big(
        `0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4`,
      ),
    };
    const publicKey = publicKeyOf(key);
    expect(publicKey.x).toBe(
      big(
        `115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1`,
      ),
    );
    expect(publicKey.y).toBe(
      big(
        `37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC`,
      ),
    );
    const digest = digestOfE(
      `3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C5917184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C`,
    );
    const k = big(
      `0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1`,
    );
    const signature = gostSign(key, digest, () => k);
    expect(signature.toString('hex').toUpperCase()).toBe(
      '1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A' +
        '2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD35492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36',
    );
    expect(gostVerify(publicKey, digest, signature)).toBe(true);
    expect(gostVerify(publicKey, Buffer.from(digest).fill(0, 0, 1), signature)).toBe(false);
  });
});

describe('signing with random nonces', () => {
  it.each(gostCurves)(
    '$name: signs and verifies, and refuses another digest, a changed signature and another key',
    (curve) => {
      const key = generatePrivateKey(curve);
      const publicKey = publicKeyOf(key);
      const digest = streebog(curve.bits, Buffer.from(`document for ${curve.name}`));
      const signature = gostSign(key, digest);
      expect(signature.length).toBe(curve.bits / 4);
      expect(gostVerify(publicKey, digest, signature)).toBe(true);
      // A second check goes through the key's cached table: the same answers.
      expect(gostVerify(publicKey, digest, signature)).toBe(true);
      expect(gostVerify(publicKey, streebog(curve.bits, Buffer.from('another')), signature)).toBe(false);
      const changed = Buffer.from(signature);
      changed[5]! ^= 0x40;
      expect(gostVerify(publicKey, digest, changed)).toBe(false);
      expect(gostVerify(publicKeyOf(generatePrivateKey(curve)), digest, signature)).toBe(false);
      expect(gostVerify(publicKey, digest, signature.subarray(1))).toBe(false);
      expect(gostVerify(publicKey, digest, Buffer.alloc(signature.length))).toBe(false);
    },
  );

  it('draws nonces in 1..q-1 only', () => {
    const q = 1000003n;
    for (let i = 0; i < 2000; i++) {
      const k = randomScalar(q);
      expect(k > 0n && k < q).toBe(true);
    }
  });

  it('round-trips keys through SPKI and PKCS#8', () => {
    for (const curve of [gostCurve('1.2.643.7.1.2.1.1.1')!, gostCurve('1.2.643.7.1.2.1.2.1')!]) {
      const key = generatePrivateKey(curve);
      expect(gostPrivateKeyFromPkcs8(encodeGostPkcs8(key))).toEqual(key);
      expect(gostPublicKeyFromSpki(encodeGostSpki(publicKeyOf(key)))).toEqual(publicKeyOf(key));
    }
  });
});

// RFC 9215 Appendix A (draft-deremin-rfc4491-bis-02) and the older TK26 examples.
const rfc9215 = [
  {
    name: 'A.1, 256-bit test parameter set, with digestParamSet',
    curve: '1.2.643.2.2.35.0',
    privateKey: '7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28',
    certificate: `MIIBLTCB26ADAgECAgEKMAoGCCqFAwcBAQMCMBIxEDAOBgNVBAMTB0V4YW1wbGUw
IBcNMDEwMTAxMDAwMDAwWhgPMjA1MDEyMzEwMDAwMDBaMBIxEDAOBgNVBAMTB0V4YW1wbGUwZjAfBggqhQMHAQEBATATBgcqhQMCAiMABggqhQMHAQECAgNDAARAC9hv
5djbiWaPeJtOHbqFhcVQi0XsW1nYkG3bcOJJK3/ad/+HGhD73ydm0pPF0WSvuzx7lzpByIXRHXDWibTxJqMTMBEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhQMHAQEDAgNB
AE1T8BL+CBd2UH1Nm7gfAO/bTu/Uq4O6xLrPc1Fzz6gcQaoo0vGrFIKAzZ7Vb+2kGXQFNVSkJ2e4OtBD/TncBJM=`,
  },
  {
    name: 'A.2, tc26 256 A (the twisted Edwards curve), without digestParamSet',
    curve: '1.2.643.7.1.2.1.1.1',
    privateKey: '7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28',
    certificate: `MIIBJTCB06ADAgECAgEKMAoGCCqFAwcBAQMCMBIxEDAOBgNVBAMTB0V4YW1wbGUw
IBcNMDEwMTAxMDAwMDAwWhgPMjA1MDEyMzEwMDAwMDBaMBIxEDAOBgNVBAMTB0V4YW1wbGUwXjAXBggqhQMHAQEBATALBgkqhQMHAQIBAQEDQwAEQHQnldS+6ITd8oUP
7APqP68YROAdnaYLZFCTpV4m38OZePWWz01NDGzx0YlD2UST0WuewKFtUS0uEnzEaRpjGOKjEzARMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoUDBwEBAwIDQQAUC02pEksJ
yw1c6Sjuh0JzoxASlJLsDik2njt5EkhXjB0OHaW+NHxvG1JWx66sIArWSsd6b1s6DglzGOeubudp`,
  },
  {
    name: 'A.3, 512-bit test parameter set',
    curve: '1.2.643.7.1.2.1.2.0',
    privateKey:
      '0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4',
    certificate: `MIIBqjCCARagAwIBAgIBCzAKBggqhQMHAQEDAzASMRAwDgYDVQQDEwdFeGFtcGxl
MCAXDTAxMDEwMTAwMDAwMFoYDzIwNTAxMjMxMDAwMDAwWjASMRAwDgYDVQQDEwdFeGFtcGxlMIGgMBcGCCqFAwcBAQECMAsGCSqFAwcBAgECAAOBhAAEgYDh7zDVLGEz
3dmdHVxBRVz3302LTJJbvGmvFDPRVlhRWt0hRoUMMlxbgcEzvmVaqMTUQOe5io1ZSHsMdpa8xV0R7L53NqnsNX/y/TmTH04RTLjNo1knCsfw5/9D2UGUGeph/Sq3f12f
Y1I9O1CgT2PioM9Rt8E63CFWDwvUDMnHN6MTMBEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhQMHAQEDAwOBgQBBVwPYkvGl8/aMQ1MYmn7iB7gLVjHvnUlSmk1rVCws+hWq
LqzxH0cP3n2VSFaQPDX9j5Ve8wDZXHdTSnJKDu5wL4b6YKCBCRoj3XleHjxonuUSo8gu4NzCZDx47qj8rNNUklWEhrIPHJ7Bl8kGmYUCYMk7y82cXDMX4ZNE4XOuNg==`,
  },
  {
    name: 'TK26, 256 bit CryptoPro XchA',
    curve: '1.2.643.2.2.36.0',
    privateKey: 'BFCF1D623E5CDD3032A7C6EABB4A923C46E43D640FFEAAF2C3ED39A8FA399924',
    certificate: `MIICYjCCAg+gAwIBAgIBATAKBggqhQMHAQEDAjBWMSkwJwYJKoZIhvcNAQkBFhpH
b3N0UjM0MTAtMjAxMkBleGFtcGxlLmNvbTEpMCcGA1UEAxMgR29zdFIzNDEwLTIwMTIgKDI1NiBiaXQpIGV4YW1wbGUwHhcNMTMxMTA1MTQwMjM3WhcNMzAxMTAxMTQw
MjM3WjBWMSkwJwYJKoZIhvcNAQkBFhpHb3N0UjM0MTAtMjAxMkBleGFtcGxlLmNvbTEpMCcGA1UEAxMgR29zdFIzNDEwLTIwMTIgKDI1NiBiaXQpIGV4YW1wbGUwZjAf
BggqhQMHAQEBATATBgcqhQMCAiQABggqhQMHAQECAgNDAARAut/Qw1MUq9KPqkdHC2xAF3K7TugHfo9n525D2s5mFZdD5pwf90/i4vF0mFmr9nfRwMYP4o0Pg1mOn5Rl
aXNYraOBwDCBvTAdBgNVHQ4EFgQU1fIeN1HaPbw+XWUzbkJ+kHJUT0AwCwYDVR0PBAQDAgHGMA8GA1UdEwQIMAYBAf8CAQEwfgYDVR0BBHcwdYAU1fIeN1HaPbw+XWUz
bkJ+kHJUT0ChWqRYMFYxKTAnBgkqhkiG9w0BCQEWGkdvc3RSMzQxMC0yMDEyQGV4YW1wbGUuY29tMSkwJwYDVQQDEyBHb3N0UjM0MTAtMjAxMiAoMjU2IGJpdCkgZXhh
bXBsZYIBATAKBggqhQMHAQEDAgNBAF5bm4BbARR6hJLEoWJkOsYV3Hd7kXQQjz3CdqQfmHrz6TI6Xojdh/t8ckODv/587NS5/6KsM77vc6Wh90NAT2s=`,
  },
  {
    name: 'TK26, 512 bit tc26 512 B',
    curve: '1.2.643.7.1.2.1.2.2',
    privateKey:
      '3FC01CDCD4EC5F972EB482774C41E66DB7F380528DFE9E67992BA05AEE462435757530E641077CE587B976C8EEB48C48FD33FD175F0C7DE6A44E014E6BCB074B',
    certificate: `MIIC6DCCAlSgAwIBAgIBATAKBggqhQMHAQEDAzBWMSkwJwYJKoZIhvcNAQkBFhpH
b3N0UjM0MTAtMjAxMkBleGFtcGxlLmNvbTEpMCcGA1UEAxMgR29zdFIzNDEwLTIwMTIgKDUxMiBiaXQpIGV4YW1wbGUwHhcNMTMxMDA0MDczNjA0WhcNMzAxMDAxMDcz
NjA0WjBWMSkwJwYJKoZIhvcNAQkBFhpHb3N0UjM0MTAtMjAxMkBleGFtcGxlLmNvbTEpMCcGA1UEAxMgR29zdFIzNDEwLTIwMTIgKDUxMiBiaXQpIGV4YW1wbGUwgaow
IQYIKoUDBwEBAQIwFQYJKoUDBwECAQICBggqhQMHAQECAwOBhAAEgYATGQ9VCiM5FRGCQ8MEz2F1dANqhaEuywa8CbxOnTvaGJpFQVXQwkwvLFAKh7hk542vOEtxpKtT
CXfGf84nRhMH/Q9bZeAc2eO/yhxrsQhTBufa1Fuou2oe/jUOaG6RAtUUvRzhNTppRGGl1+EIY2vzzUua9j9Ol/gAoy/LNKQIfqOBwDCBvTAdBgNVHQ4EFgQUPcbTRXJZ
nHtjj+eBP7b5lcTMekIwCwYDVR0PBAQDAgHGMA8GA1UdEwQIMAYBAf8CAQEwfgYDVR0BBHcwdYAUPcbTRXJZnHtjj+eBP7b5lcTMekKhWqRYMFYxKTAnBgkqhkiG9w0B
CQEWGkdvc3RSMzQxMC0yMDEyQGV4YW1wbGUuY29tMSkwJwYDVQQDEyBHb3N0UjM0MTAtMjAxMiAoNTEyIGJpdCkgZXhhbXBsZYIBATAKBggqhQMHAQEDAwOBgQBObS7o
ppPTXzHyVR1DtPa8b57nudJzI4czhsfeX5HDntOq45t9B/qSs8dC6eGxbhHZ9zCOSFtxWYdmg0au8XI9Xb8vTC1qdwWID7FFjMWDNQZb6lYh/J+8F2xKylvB5nIlRZqO
o3eUNFkNyHJwQCk2WoOlO16zwGk2tdKH4KmD5w==`,
  },
];

describe('RFC 9215 example certificates', () => {
  it.each(rfc9215)(
    "$name: the key parses to the private key's point and the self-signature verifies",
    ({ curve, privateKey, certificate }) => {
      const der = Buffer.from(certificate.replace(/\s+/g, ''), 'base64');
      const publicKey = gostPublicKeyFromSpki(spkiOfCertificate(der))!;
      expect(publicKey.curve.oid).toBe(curve);
      expect(publicKeyOf({ curve: publicKey.curve, d: big(privateKey) })).toEqual(publicKey);
      const [tbs, , signature] = readChildren(readElement(der).contents);
      const digest = streebog(publicKey.curve.bits, tbs!.encoded);
      const value = signature!.contents.subarray(1);
      expect(gostVerify(publicKey, digest, value)).toBe(true);
      const changed = Buffer.from(tbs!.encoded);
      changed[changed.length - 1]! ^= 1;
      expect(gostVerify(publicKey, streebog(publicKey.curve.bits, changed), value)).toBe(false);
    },
  );
});
