-- Incremental features: series_features becomes a table partitioned by month
-- that the refresh (trainer/run/refresh.ts) maintains only where sales
-- changed, plus the days a new watermark adds, instead of a materialized view
-- rebuilt from all of sales every run. Triggers on sales record what changed,
-- whatever wrote it (the importer, a COPY merge, a hand-typed UPDATE).

drop materialized view series_features;

-- The calendar columns of the view are gone: nothing read them, and each is
-- one extract() of `day` for whoever needs it. Lags and rolling means stay:
-- they cost only the days being refreshed.
create table series_features (
  city_id         integer not null,
  store_id        integer not null,
  product_id      integer not null,
  day             date not null,
  units           double precision not null,
  promo           boolean not null,
  price           double precision,
  gap_filled      boolean not null,
  lag_1           double precision,
  lag_7           double precision,
  lag_28          double precision,
  mean_7          double precision,
  mean_28         double precision,
  promo_share_28  double precision,
  primary key (store_id, product_id, day)
) partition by range (day);

-- The window readers see. Rows outside it can linger in a partition until the
-- partition is dropped, so every reader filters on these bounds; they change
-- in the same commit as the rows.
create table feature_state (
  id            boolean primary key default true check (id),
  window_start  date,
  watermark     date,
  history_days  integer,
  -- Set when the table cannot be trusted to follow from the last refresh (a
  -- TRUNCATE of sales, this migration): the next refresh recomputes it all.
  rebuild       boolean not null default true
);
insert into feature_state default values;

-- One row per series in the window: its city and the last day it has a
-- sales row on or before the watermark (a series with none in the window
-- leaves it, as it left the view).
create table feature_series (
  store_id       integer not null,
  product_id     integer not null,
  city_id        integer not null,
  last_recorded  date not null,
  primary key (store_id, product_id)
);

-- Days whose sales changed since the last refresh, as one span per series;
-- the refresh consumes the rows it saw and leaves rows written after it.
create table feature_dirty (
  store_id    integer not null,
  product_id  integer not null,
  first_day   date not null,
  last_day    date not null,
  primary key (store_id, product_id)
);

-- Sales rows per store and day: the completeness watermark counts stores per
-- day from here instead of scanning sales.
create table sales_store_day (
  store_id  integer not null,
  day       date not null,
  rows      integer not null,
  primary key (day, store_id)
);
insert into sales_store_day (store_id, day, rows)
select store_id, day, count(*) from sales group by store_id, day;

-- Statement-level, with transition tables: one set-based pass per statement,
-- however many rows it wrote. An UPDATE that rewrites a row with the same
-- values (an upsert of unchanged data) marks nothing.
create function sales_changed() returns trigger language plpgsql as $$
declare
  change text := case tg_op
    when 'INSERT' then 'select store_id, product_id, day, 1 as sign from new_rows'
    when 'DELETE' then 'select store_id, product_id, day, -1 as sign from old_rows'
    else 'select store_id, product_id, day, 1 as sign from (select * from new_rows except all select * from old_rows) n
          union all
          select store_id, product_id, day, -1 from (select * from old_rows except all select * from new_rows) o'
  end;
begin
  -- Both writes run once each as data-modifying CTEs over one read of the
  -- transition table(s); an UPDATE that keeps the key adds and removes the
  -- same row, so its counts cancel.
  execute format($q$
    with change as (%s),
    dirty as (
      insert into feature_dirty (store_id, product_id, first_day, last_day)
      select store_id, product_id, min(day), max(day) from change group by store_id, product_id
      on conflict (store_id, product_id) do update
        set first_day = least(feature_dirty.first_day, excluded.first_day),
            last_day = greatest(feature_dirty.last_day, excluded.last_day)
      returning 1),
    counted as (
      insert into sales_store_day (store_id, day, rows)
      select store_id, day, sum(sign) from change group by store_id, day having sum(sign) <> 0
      on conflict (day, store_id) do update set rows = sales_store_day.rows + excluded.rows
      returning 1)
    select 1$q$, change);
  return null;
end $$;

create trigger sales_inserted after insert on sales
  referencing new table as new_rows for each statement execute function sales_changed();
create trigger sales_updated after update on sales
  referencing old table as old_rows new table as new_rows for each statement execute function sales_changed();
create trigger sales_deleted after delete on sales
  referencing old table as old_rows for each statement execute function sales_changed();

-- TRUNCATE has no transition table: forget everything and rebuild next time.
create function sales_truncated() returns trigger language plpgsql as $$
begin
  delete from sales_store_day;
  delete from feature_dirty;
  update feature_state set rebuild = true;
  return null;
end $$;
create trigger sales_truncated after truncate on sales
  for each statement execute function sales_truncated();

-- The completeness watermark: the latest day on which more than half of the
-- stores that reported in the 28 days before it reported too. One store
-- running ahead, a store that is late, or a stray future row cannot move it;
-- a day with no reports in the 28 before it counts only as the very first
-- day of data. Days after tomorrow never count (they cannot be complete).
-- `since` bounds the scan (the last watermark less a margin); null scans all.
create function feature_watermark(since date) returns date language sql stable as $$
  with daily as (
    select day, count(*) as stores
    from sales_store_day
    where rows > 0 and day <= current_date + 1 and (since is null or day >= since - 28)
    group by day
  ),
  judged as (
    select day, stores,
           max(stores) over (order by day range between interval '28 days' preceding and interval '1 day' preceding) as recent,
           min(day) over () as first_day
    from daily
  )
  select max(day) from judged
  where case when recent is null then since is null and day = first_day else stores * 2 > recent end
$$;

-- Monthly partitions covering [first_day, last_day], created detached and
-- then attached: ATTACH takes a lock that readers do not wait for, where
-- CREATE TABLE … PARTITION OF would queue them behind an exclusive one.
create function ensure_feature_partitions(first_day date, last_day date) returns integer language plpgsql as $$
declare
  month date := date_trunc('month', first_day)::date;
  name text;
  created integer := 0;
begin
  while month <= last_day loop
    name := 'series_features_' || to_char(month, 'YYYY_MM');
    if to_regclass(name) is null then
      execute format('create table %I (like series_features including defaults including constraints)', name);
      execute format('alter table series_features attach partition %I for values from (%L) to (%L)',
                     name, month, (month + interval '1 month')::date);
      created := created + 1;
    end if;
    month := (month + interval '1 month')::date;
  end loop;
  return created;
end $$;

-- What a fingerprint of a series' history needs to survive a new day (see
-- trainer/run/fetch.ts): the span and hash of the days the last fit saw.
alter table series_result add column history jsonb;

-- Distributed fits: the coordinator writes each job's inputs here and queues
-- a job naming their range; the worker reads them from here.
create table fit_job_input (
  run_id     bigint not null references training_run (id) on delete cascade,
  seq        integer not null,
  series_id  text not null,
  input      jsonb not null,
  primary key (run_id, seq)
);
