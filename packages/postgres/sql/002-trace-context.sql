-- @conveyor/postgres, migration 2: the trace context a row was sent with.
--
-- migrate() runs this file for you, or run it yourself (psql quotes the names):
--
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 \
--        -v schema=public -v table=jobs -v body_type=jsonb \
--        -f node_modules/@conveyor/postgres/sql/002-trace-context.sql
--
-- A PostgresSender given `traceContext` (currentTraceContext of @conveyor/opentelemetry)
-- stores the W3C headers of the trace the send ran in, as JSON; the source reads them back
-- (PostgresSource.traceContext()), so a consumer's process spans link to the producer's.
-- A nullable column without a default: adding it rewrites nothing, however large the table.
\set dead_table :table '_dead'

ALTER TABLE :"schema".:"table" ADD COLUMN IF NOT EXISTS trace_context text;
ALTER TABLE :"schema".:"dead_table" ADD COLUMN IF NOT EXISTS trace_context text;

INSERT INTO :"schema".conveyor_migrations (queue_table, version) VALUES (:'table', 2);
