-- The promotion plan: promotions (and, where known, their prices) planned for
-- days that may not have happened yet, which the trainer forecasts with. A row
-- names one scope and a day range: a store's product, a whole store (every
-- product it sells), or a product in every store of a city.
create table promotion_plan (
  id          bigint generated always as identity primary key,
  store_id    integer references store (id) on delete cascade,
  city_id     integer references city (id) on delete cascade,
  product_id  integer references product (id) on delete cascade,
  first_day   date not null,
  last_day    date not null,
  price       numeric(12, 2) check (price >= 0),
  check (last_day >= first_day),
  -- store (with or without a product), or city with a product; never both.
  check ((store_id is not null and city_id is null) or (store_id is null and city_id is not null and product_id is not null))
);

-- The fetch looks a series' rows up by its store (and product) and by its
-- city and product; the import's diff asks for the days in one window.
create index promotion_plan_store on promotion_plan (store_id, product_id) where store_id is not null;
create index promotion_plan_city on promotion_plan (city_id, product_id) where city_id is not null;
create index promotion_plan_last_day on promotion_plan (last_day, first_day);

-- One row per `trainer plan import`: when the plan was last loaded (the
-- manifest and /v1/meta report it) and which series it changed.
create table promotion_plan_load (
  id          bigint generated always as identity primary key,
  loaded_at   timestamptz not null default now(),
  source      text not null,
  lines       integer not null,
  ranges      integer not null,
  replaced    boolean not null,
  changed     integer not null
);

-- Every series-day the plan names between two days, one row per day however
-- many plan rows cover it; the price is the most specific row's (a store's
-- product over the whole store over the city). Set-based: one call answers
-- every series.
create function planned_promotion_days(from_day date, to_day date)
returns table (store_id integer, product_id integer, day date, price numeric)
language sql stable as $$
  select distinct on (x.store_id, x.product_id, x.day) x.store_id, x.product_id, x.day, x.price
  from (
    select coalesce(pp.store_id, st.id) as store_id,
           coalesce(pp.product_id, pr.id) as product_id,
           g::date as day,
           pp.price,
           case when pp.store_id is null then 2 when pp.product_id is null then 1 else 0 end as specificity
    from promotion_plan pp
    left join store st on pp.store_id is null and st.city_id = pp.city_id
    left join product pr on pp.product_id is null
    cross join lateral generate_series(greatest(pp.first_day, from_day), least(pp.last_day, to_day), interval '1 day') g
    where pp.last_day >= from_day and pp.first_day <= to_day
  ) x
  order by x.store_id, x.product_id, x.day, x.specificity
$$;
