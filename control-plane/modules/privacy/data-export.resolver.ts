import { Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, paginate } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { UserError } from '../../graphql/user-error.js';
import { createDownloadLink, requestDataExport } from './data-export.service.js';
import { DataExportConnection, DataExportDownloadLinkType, DataExportRequestPayload, DataExportType } from './data-export.types.js';
import { DataExport } from './privacy.entity.js';

/** The right to export (privacy policy §6): request an archive, list them, download through a link. */
@Resolver(() => DataExportType)
export class DataExportResolver {
  @Authorized()
  @Mutation(() => DataExportRequestPayload, {
    description: 'Starts building a machine-readable copy of all my data in the background; I am notified when it is ready (privacy policy §6 "Export").',
  })
  async dataExportRequest(@Ctx() ctx: Context): Promise<DataExportRequestPayload> {
    const result = await requestDataExport(ctx.em, ctx.viewer!.account, ctx.meta);
    return result.ok
      ? { dataExport: DataExportType.from(result.value), userErrors: [] }
      : { dataExport: null, userErrors: result.problems.map(UserError.from) };
  }

  @Authorized()
  @Query(() => DataExportConnection, { description: 'My data exports, newest first, with their status, expiry and download link.' })
  dataExports(@Ctx() ctx: Context, @Args() args: ConnectionArgs) {
    return paginate(ctx.em, DataExport, { account: ctx.viewer!.account.id }, args, DataExportType.from);
  }

  @FieldResolver(() => DataExportDownloadLinkType, {
    nullable: true,
    description:
      'A fresh download link while the archive is READY (each read makes a new one, valid 15 minutes); null otherwise. It works only with my session cookie.',
  })
  async downloadLink(@Root() dataExport: DataExportType, @Ctx() ctx: Context): Promise<DataExportDownloadLinkType | null> {
    const viewer = ctx.viewer;
    if (!viewer) return null;
    const row = await ctx.em.findOne(DataExport, { id: dataExport.exportId, account: viewer.account.id });
    const link = row ? await createDownloadLink(ctx.em, row) : null;
    return link ? Object.assign(new DataExportDownloadLinkType(), link) : null;
  }
}
