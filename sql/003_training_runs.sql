-- What each training cycle did, and what it decided per series.

create table training_run (
  id             bigint generated always as identity primary key,
  version        text not null unique,
  status         text not null default 'running'
                   check (status in ('running', 'published', 'failed')),
  started_at     timestamptz not null default now(),
  finished_at    timestamptz,
  origin         date,
  series_total   integer not null default 0,
  series_failed  integer not null default 0,
  -- milliseconds per stage: refresh, fetch, fit, record, publish
  stage_ms       jsonb not null default '{}'::jsonb,
  error          text
);

create table series_result (
  run_id      bigint not null references training_run (id) on delete cascade,
  store_id    integer not null references store (id),
  product_id  integer not null references product (id),
  model       text not null,
  -- fitted optimizer parameters: the next run's warm start
  params      jsonb,
  -- backtest metrics: mase, smape, wape, coverage, holdout_days
  metrics     jsonb not null default '{}'::jsonb,
  -- sha-256 of the series' feature rows: an unchanged series can skip its fit
  data_hash   text not null,
  fit_ms      integer,
  error_code  text,
  error       text,
  primary key (run_id, store_id, product_id)
);

-- The latest result per series, for warm starts and the unchanged-data skip.
create index series_result_latest on series_result (store_id, product_id, run_id desc);
