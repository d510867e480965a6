-- Referential integrity of sales checked once per statement instead of once
-- per row. The two foreign keys (product_id -> product, (store_id, city_id)
-- -> store) ran a lookup and a row lock for every row written: two thirds of
-- an import's time. The triggers below keep the same guarantee set-based:
--
-- * a statement writing sales locks each store and product it names once
--   (FOR KEY SHARE, as the foreign key did per row) and fails with
--   foreign_key_violation if any is missing, so no orphan row commits, and a
--   concurrent delete of a named store or product waits for it;
-- * deleting a store or product, moving a store to another city or
--   truncating either fails while sales rows name it, as NO ACTION did.
--
-- What differs from a declared foreign key: the catalog no longer lists it
-- (pg_constraint, ER tools), and the parent-side check reads the deleting
-- statement's snapshot, so deletes and city moves are refused outside READ
-- COMMITTED, where that snapshot could miss a concurrent import's rows.

alter table sales drop constraint sales_product_id_fkey;
alter table sales drop constraint sales_store_id_city_id_fkey;

create function sales_keys_exist() returns trigger language plpgsql as $$
declare
  missing text;
begin
  -- One statement per parent: the keys it could not lock are the missing ones.
  with wanted as materialized (select distinct store_id, city_id from new_rows),
  held as materialized (
    select s.id, s.city_id from store s
    where (s.id, s.city_id) in (select store_id, city_id from wanted)
    for key share of s)
  select format('(store_id, city_id)=(%s, %s)', w.store_id, w.city_id) into missing
  from wanted w where not exists (select 1 from held h where h.id = w.store_id and h.city_id = w.city_id)
  limit 1;
  if missing is null then
    with wanted as materialized (select distinct product_id from new_rows),
    held as materialized (
      select p.id from product p where p.id in (select product_id from wanted) for key share of p)
    select format('(product_id)=(%s)', w.product_id) into missing
    from wanted w where not exists (select 1 from held h where h.id = w.product_id)
    limit 1;
  end if;
  if missing is not null then
    raise exception 'insert or update on table "sales" violates foreign key: key %s is not present in %s', missing,
      case when missing like '(store_id%' then '"store" (id, city_id)' else '"product" (id)' end
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;

create trigger sales_keys_inserted after insert on sales
  referencing new table as new_rows for each statement execute function sales_keys_exist();
create trigger sales_keys_updated after update on sales
  referencing new table as new_rows for each statement execute function sales_keys_exist();

-- The parent side: a key that leaves store or product must not be named by sales.
create function sales_parent_kept() returns trigger language plpgsql as $$
declare
  gone int[];
begin
  -- Keys that left the table (a rename or a new source code leaves none).
  if tg_table_name = 'store' then
    select array_agg(o.id) into gone from old_rows o
    where not exists (select 1 from store s where s.id = o.id and s.city_id = o.city_id);
  else
    select array_agg(o.id) into gone from old_rows o where not exists (select 1 from product p where p.id = o.id);
  end if;
  if gone is null then
    return null;
  end if;
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'deleting or re-keying a % needs READ COMMITTED: its check of sales must see concurrent imports', tg_table_name
      using errcode = 'foreign_key_violation';
  end if;
  if (tg_table_name = 'store' and exists (select 1 from sales x where x.store_id = any (gone)
        and not exists (select 1 from store s where s.id = x.store_id and s.city_id = x.city_id)))
     or (tg_table_name = 'product' and exists (select 1 from sales x where x.product_id = any (gone))) then
    raise exception 'update or delete on table "%" violates foreign key on table "sales": sales rows still name it', tg_table_name
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;

create trigger store_deleted after delete on store
  referencing old table as old_rows for each statement execute function sales_parent_kept();
create trigger store_updated after update on store
  referencing old table as old_rows for each statement execute function sales_parent_kept();
create trigger product_deleted after delete on product
  referencing old table as old_rows for each statement execute function sales_parent_kept();
create trigger product_updated after update on product
  referencing old table as old_rows for each statement execute function sales_parent_kept();

create function sales_parent_truncated() returns trigger language plpgsql as $$
begin
  if exists (select 1 from sales) then
    raise exception 'cannot truncate table "%": sales rows name it', tg_table_name using errcode = 'foreign_key_violation';
  end if;
  return null;
end $$;
create trigger store_truncated before truncate on store
  for each statement execute function sales_parent_truncated();
create trigger product_truncated before truncate on product
  for each statement execute function sales_parent_truncated();
