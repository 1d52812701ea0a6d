// An information system's certificate login, with the hub's real storage and operator key on
// the hub's database shared with the settings tables: the steps of POST /v1/auth/certificate
// (verify the CMS over the nonce, look the certificate up) up to a stored access token.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateFingerprint, pemToDer } from '../../src/crypto/certificates';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { closeHubData, openHubData } from '../data-dir';
import { informationSystemUser, informationSystemUserId } from './login';
import { OrganizationSettingsService } from './service';

const root = mkdtempSync(join(tmpdir(), 'edo-org-login-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('information-system login', () => {
  it('logs a generated certificate in as a service user of its organization until it is revoked', async () => {
    let data = await openHubData(root);
    try {
      const { storage, operator, db } = data;
      await storage.addSubscriber({
        id: 'romashka',
        name: 'ООО "Ромашка"',
        inn: '7701234560',
        operatingMode: 'server',
        at: new Date().toISOString(),
      });
      await storage.addUser({
        id: 'ivanova',
        subscriberId: 'romashka',
        kind: 'person',
        name: 'Иванова Мария Петровна',
      });
      const settings = new OrganizationSettingsService({
        db,
        issuer: operator.signer,
        organizationOf: async (orgId) => storage.getSubscriber(orgId),
        isUserCertificate: async (fingerprint) => (await storage.findUserByCertificate(fingerprint)) !== undefined,
      });
      await settings.initializeOrganization('romashka', { administrators: ['ivanova'] });
      const generated = await settings.generateInformationSystem(
        { orgId: 'romashka', userId: 'ivanova' },
        { name: 'ERP' },
      );
      expect(generated.informationSystem.certificate).toMatchObject({
        commonName: 'ERP',
        organization: 'ООО "Ромашка"',
        orgInn: '7701234560',
      });

      // The system signs the challenge nonce with the key it was given.
      const certificate = pemToDer(generated.certificatePem)[0]!;
      const login = async () => {
        const nonce = randomBytes(32);
        const cms = await signDetached(nonce, new KeySigner(createPrivateKey(generated.privateKeyPem), certificate));
        const checked = await verifyDetached(cms, nonce, {
          trustedRoots: [...(await storage.listTrustedCas()).map((ca) => ca.der), operator.certificate],
        });
        expect(checked.valid).toBe(true);
        const fingerprint = certificateFingerprint(checked.signer!.certificate);
        return (
          (await storage.findUserByCertificate(fingerprint)) ??
          (await informationSystemUser(settings, storage, fingerprint))
        );
      };

      const user = await login();
      expect(user).toEqual({
        id: informationSystemUserId(generated.informationSystem.id),
        subscriberId: 'romashka',
        kind: 'service',
        name: 'ERP',
      });
      expect(await login()).toEqual(user);
      // The user row is real: the hub can issue it a token (access_tokens references users).
      await storage.createAccessToken('f'.repeat(64), {
        userId: user!.id,
        subscriberId: user!.subscriberId,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(await storage.findAccessToken('f'.repeat(64), new Date().toISOString())).toMatchObject({
        userId: user!.id,
        subscriberId: 'romashka',
      });

      await settings.revokeInformationSystem({ orgId: 'romashka', userId: 'ivanova' }, generated.informationSystem.id);
      expect(await login()).toBeUndefined();

      // The hub's own migrations still open the file that now holds the settings tables too.
      await closeHubData(data);
      data = await openHubData(root);
      expect(await data.storage.getUser(user!.id)).toEqual(user);
    } finally {
      await closeHubData(data);
    }
  });
});
