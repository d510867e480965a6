-- The scheduled trainer: runs killed before they could finish are marked
-- 'abandoned' by the next lock holder; every run says what started it; and
-- fits done by distributed workers wait here for the coordinator's publish.

alter table training_run drop constraint if exists training_run_status_check;
alter table training_run add constraint training_run_status_check
  check (status in ('running', 'published', 'failed', 'abandoned'));

-- manual (`trainer run`), schedule (the cron), request (a retrain request).
alter table training_run add column trigger text not null default 'manual'
  check (trigger in ('manual', 'schedule', 'request'));

-- One row per series fitted by a `trainer worker`, keyed like the cycle's
-- series ids (store_id:product_id). A retried job overwrites its rows; the
-- coordinator deletes them as it publishes.
create table fit_job_result (
  run_id     bigint not null references training_run (id) on delete cascade,
  series_id  text not null,
  result     jsonb not null,
  primary key (run_id, series_id)
);

-- `trainer status` lists recent runs newest first.
create index training_run_started_at on training_run (started_at desc);
