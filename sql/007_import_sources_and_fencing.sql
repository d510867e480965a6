-- What a code was made from: the text in the imported file ("Store 1"), so an
-- import can tell a new spelling that slugs to the same code ("STORE-1") from
-- the same store. Null for rows that came from elsewhere (the seed); the
-- first import that names the code fills it.
alter table city add column source_code text;
alter table store add column source_code text;
alter table product add column source_code text;

-- A run whose commit found a newer run already live (the publish fence) is
-- 'superseded': it published nothing, and its staged keys expire.
alter table training_run drop constraint if exists training_run_status_check;
alter table training_run add constraint training_run_status_check
  check (status in ('running', 'published', 'failed', 'abandoned', 'superseded'));
