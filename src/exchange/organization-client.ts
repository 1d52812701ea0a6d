// The organization settings routes of the hub (src/protocol/organization.ts) through the hub
// client (./http-client): they sit beside the archive routes and govern the archive
// (archiving on/off, its e-mail).
import type {
  AccessTable,
  InformationSystemsList,
  JournalPage,
  OrganizationSettings,
  SettingsPatch,
} from '../protocol';
import type { HubCalls } from './http-client';

export class HttpOrganizationClient {
  /** `hub`: a client logged in as a user of the organization. */
  constructor(private readonly hub: HubCalls) {}

  settings(): Promise<OrganizationSettings> {
    return this.hub.call('getOrganizationSettings');
  }

  updateSettings(patch: SettingsPatch): Promise<OrganizationSettings> {
    return this.hub.call('patchOrganizationSettings', { body: patch });
  }

  access(): Promise<AccessTable> {
    return this.hub.call('getOrganizationAccess');
  }

  setAccess(table: AccessTable): Promise<AccessTable> {
    return this.hub.call('putOrganizationAccess', { body: table });
  }

  informationSystems(): Promise<InformationSystemsList> {
    return this.hub.call('listInformationSystems');
  }

  journal(after: number, limit: number): Promise<JournalPage> {
    return this.hub.call('listJournal', { query: { after, limit } });
  }
}
