-- Model-ready features per series and day, refreshed with
-- REFRESH MATERIALIZED VIEW CONCURRENTLY so readers never block.

-- One-row settings table: a materialized view cannot take parameters, so the
-- window length it covers is read from here at refresh time.
create table feature_settings (
  id            boolean primary key default true check (id),
  history_days  integer not null default 365 check (history_days between 28 and 3660)
);
insert into feature_settings default values;

-- The window ends at the last day with any sales anywhere (every series
-- shares that origin) and covers history_days days. Gap filling starts 28
-- days earlier so that lags and rolling means are complete on the first day.
-- Rolling means cover the days strictly before `day`, so they are known
-- before the day starts and never leak its own sales.
create materialized view series_features as
with params as (
  -- Scalar subqueries: the planner knows this is one row. Joining the
  -- settings table directly made it guess thousands, which switched on JIT
  -- compilation costing more than the query itself.
  select (select max(day) from sales) as last_day,
         (select history_days from feature_settings) as history_days
),
active_series as (
  select distinct s.city_id, s.store_id, s.product_id
  from sales s, params p
  where s.day > p.last_day - p.history_days
),
calendar as (
  select g::date as day
  from params p,
       generate_series(p.last_day - (p.history_days + 28 - 1), p.last_day, interval '1 day') g
),
filled as (
  select a.city_id, a.store_id, a.product_id, d.day,
         coalesce(s.units, 0)::float8 as units,
         coalesce(s.promo, false) as promo,
         s.price::float8 as price,
         s.day is null as gap_filled
  from active_series a
  cross join calendar d
  left join sales s
    on s.store_id = a.store_id and s.product_id = a.product_id and s.day = d.day
),
windowed as (
  select f.*,
         lag(units, 1)  over w as lag_1,
         lag(units, 7)  over w as lag_7,
         lag(units, 28) over w as lag_28,
         avg(units) over (w rows between 7 preceding and 1 preceding)  as mean_7,
         avg(units) over (w rows between 28 preceding and 1 preceding) as mean_28,
         avg(promo::int) over (w rows between 28 preceding and 1 preceding) as promo_share_28
  from filled f
  window w as (partition by store_id, product_id order by day)
)
select w.city_id, w.store_id, w.product_id, w.day,
       w.units, w.promo, w.price, w.gap_filled,
       w.lag_1, w.lag_7, w.lag_28, w.mean_7, w.mean_28, w.promo_share_28,
       extract(isodow from w.day)::smallint as day_of_week,
       extract(day from w.day)::smallint as day_of_month,
       extract(month from w.day)::smallint as month,
       extract(doy from w.day)::smallint as day_of_year,
       extract(isodow from w.day) >= 6 as is_weekend
from windowed w, params p
where w.day > p.last_day - p.history_days;

-- CONCURRENTLY needs a unique index; it also gives the trainer's fetch its
-- series-then-day order without a sort.
create unique index series_features_series_day
  on series_features (store_id, product_id, day);
