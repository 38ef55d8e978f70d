import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { catalogueSeed, type CatalogueModelSpec } from '../../../shared/catalogue.js';
import type { Em } from '../../db/orm.js';
import { CatalogueModel, priceColumns, PriceVersion } from './catalogue.entity.js';
import { announceCatalogueChange } from './catalogue.service.js';

export type SeedResult = { seeded: true; models: number } | { seeded: false };

/**
 * Fills an empty catalogue from the committed seed (shared/catalogue.json), prices in
 * effect from now. A catalogue that holds any model is left exactly as it is, so the
 * seed never overwrites what admins changed; running it again is a no-op. Two instances
 * starting at once race on the unique name: the loser finds the catalogue seeded.
 */
export async function seedCatalogue(em: Em, specs: readonly CatalogueModelSpec[] = catalogueSeed(), at = new Date()): Promise<SeedResult> {
  try {
    const result = await em.transactional(async (tx): Promise<SeedResult> => {
      if ((await tx.count(CatalogueModel, {})) > 0) return { seeded: false };
      for (const spec of specs) {
        const model = tx.create(CatalogueModel, {
          publicName: spec.name,
          provider: spec.provider,
          upstreamModel: spec.upstreamModel,
          capabilities: [...spec.capabilities],
          enabled: true,
          createdAt: at,
          updatedAt: at,
        });
        tx.create(PriceVersion, { model, effectiveFrom: at, createdAt: at, createdBy: null, ...priceColumns(spec.prices) });
      }
      return { seeded: true, models: specs.length };
    });
    if (result.seeded) await announceCatalogueChange(em, '*');
    return result;
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return { seeded: false };
    throw error;
  }
}
