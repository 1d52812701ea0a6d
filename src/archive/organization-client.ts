// The organization settings routes of the hub (src/protocol/organization.ts) as a client with
// a bearer token reaches them: they sit beside the archive routes and govern the archive
// (archiving on/off, its e-mail), so they share the archive's HTTP plumbing.
import type { z } from 'zod';
import { AccessTable, JournalPage, OrganizationSettings, InformationSystemsList, type SettingsPatch } from '../protocol/organization';
import { organizationRouteJson, type HttpArchiveSourceOptions } from './http-source';

export class HttpOrganizationClient {
  constructor(private readonly options: HttpArchiveSourceOptions) {}

  settings(): Promise<z.output<typeof OrganizationSettings>> {
    return organizationRouteJson(this.options, OrganizationSettings, 'getOrganizationSettings');
  }

  updateSettings(patch: SettingsPatch): Promise<z.output<typeof OrganizationSettings>> {
    return organizationRouteJson(this.options, OrganizationSettings, 'patchOrganizationSettings', { body: patch });
  }

  access(): Promise<z.output<typeof AccessTable>> {
    return organizationRouteJson(this.options, AccessTable, 'getOrganizationAccess');
  }

  setAccess(table: z.input<typeof AccessTable>): Promise<z.output<typeof AccessTable>> {
    return organizationRouteJson(this.options, AccessTable, 'putOrganizationAccess', { body: table });
  }

  informationSystems(): Promise<z.output<typeof InformationSystemsList>> {
    return organizationRouteJson(this.options, InformationSystemsList, 'listInformationSystems');
  }

  journal(after: number, limit: number): Promise<z.output<typeof JournalPage>> {
    return organizationRouteJson(this.options, JournalPage, 'listJournal', { query: { after, limit } });
  }
}
