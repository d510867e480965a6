// Codes → ids of the stores and products an import names, so that staged
// rows carry the ids `sales` stores (and COPY can write straight into it)
// instead of codes joined to the catalog on every merge.
import type { Sql } from "../db/connect.ts";

export interface StoreId {
  id: number;
  cityId: number;
}

export class CatalogIds {
  readonly stores = new Map<string, StoreId>();
  readonly products = new Map<string, number>();

  static async load(sql: Sql): Promise<CatalogIds> {
    const ids = new CatalogIds();
    const [stores, products] = await Promise.all([
      sql<{ code: string; id: number; cityId: number }[]>`select code, id, city_id as "cityId" from store`,
      sql<{ code: string; id: number }[]>`select code, id from product`,
    ]);
    ids.add(stores, products);
    return ids;
  }

  add(stores: readonly ({ code: string } & StoreId)[], products: readonly { code: string; id: number }[]): void {
    for (const s of stores) this.stores.set(s.code, { id: s.id, cityId: s.cityId });
    for (const p of products) this.products.set(p.code, p.id);
  }
}
