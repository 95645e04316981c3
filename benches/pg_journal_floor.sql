-- The least a PostgreSQL journal can take a recipient, whatever its code does.
--
--   psql -X -q -v n=200000 -f benches/pg_journal_floor.sql postgres://postgres@127.0.0.1:5432/test
--   psql -X -q -v n=200000 -v fillfactor=85 -f benches/pg_journal_floor.sql postgres://…
--
-- Two tables in a schema of their own (`wacast_floor`, dropped at the end),
-- each holding `n` recipients that were sent and reported read:
--
-- - `kept`: the columns of the journal's `recipients` (schema version 6), with
--   the values a finished recipient has there (16-byte digests, a 26-character
--   ULID message id, RFC 3339 times), each row written once, in its final
--   state, with the journal's key and message-id index built after the load
--   (sorted, the most compact a B-tree gets). Nothing any code does to a row
--   can make it smaller than this.
-- - `narrowest`: the same facts in the narrowest types (times as integers,
--   states and counts as SMALLINT, the campaign as an INT id, no second digest,
--   no NULL in the times so a report never grows the row) and the message-id
--   index on a 64-bit hash of the id. Each recipient is inserted once, after
--   its outcome, 64 to a transaction, as a send loop would (so nothing is
--   staged beforehand and there is no in-flight version); then five passes of
--   delivery reports update each row (queued, dispatched, sent, delivered,
--   read; 256 rows a transaction), with a VACUUM after the sends and after
--   each pass.
--
-- It prints bytes a recipient, relation by relation (`pg_relation_size`) and
-- in all (`pg_total_relation_size`), for `kept`, and for `narrowest` after the
-- sends and after the reports, and how many of the reports' updates stayed on
-- their page (HOT).
\set ON_ERROR_STOP on
\if :{?n}
\else
\set n 200000
\endif
\if :{?fillfactor}
\else
\set fillfactor 100
\endif

DROP SCHEMA IF EXISTS wacast_floor CASCADE;
CREATE SCHEMA wacast_floor;
SET search_path = wacast_floor;

CREATE TABLE kept (
    campaign TEXT NOT NULL, phone BIGINT NOT NULL, line BIGINT NOT NULL, digest BYTEA NOT NULL,
    state TEXT NOT NULL, message_id TEXT, attempts INTEGER NOT NULL DEFAULT 0, http_status INTEGER,
    error TEXT, planned_run BIGINT NOT NULL, sent_digest BYTEA, updated_at TEXT NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0, delivery_state TEXT, rank INTEGER, delivered_at TEXT,
    read_at TEXT, failed_at TEXT, failure_details TEXT, delivery_message_id TEXT);
INSERT INTO kept
SELECT 'bench', 447400000000 + i, i, substr(sha256(i::text::bytea), 1, 16), 'sent',
    '01' || upper(substr(md5(i::text), 1, 24)), 1, 201, NULL, 1, substr(sha256(i::text::bytea), 1, 16),
    '2026-11-29T16:27:38Z', 110, 'read', 6, '2026-11-29T16:27:39Z', '2026-11-29T16:27:40Z',
    NULL, NULL, NULL
FROM generate_series(0, :n - 1) i;
ALTER TABLE kept ADD PRIMARY KEY (campaign, phone);
CREATE INDEX kept_message ON kept (message_id) WHERE message_id IS NOT NULL;
VACUUM ANALYZE kept;

CREATE TABLE narrowest (
    phone BIGINT NOT NULL, updated_at BIGINT NOT NULL, delivered_at BIGINT NOT NULL DEFAULT 0,
    read_at BIGINT NOT NULL DEFAULT 0, failed_at BIGINT NOT NULL DEFAULT 0,
    campaign INT NOT NULL, line INT NOT NULL, planned_run INT NOT NULL,
    state SMALLINT NOT NULL, attempts SMALLINT NOT NULL, http_status SMALLINT NOT NULL,
    reported SMALLINT NOT NULL DEFAULT 0, rank SMALLINT NOT NULL DEFAULT 0,
    digest BYTEA NOT NULL, message_id TEXT NOT NULL, error TEXT, failure_details TEXT,
    delivery_message_id TEXT,
    PRIMARY KEY (campaign, phone)
) WITH (fillfactor = :fillfactor);
CREATE INDEX narrowest_message ON narrowest ((hashtextextended(message_id, 0)));

CREATE PROCEDURE send(n INT) LANGUAGE plpgsql AS $$
BEGIN
    FOR b IN 0 .. (n - 1) / 64 LOOP
        INSERT INTO narrowest (phone, updated_at, campaign, line, planned_run, state, attempts,
            http_status, digest, message_id)
        SELECT 447400000000 + i, 1764433658000000, 1, i, 1, 2, 1, 201,
            substr(sha256(i::text::bytea), 1, 16), '01' || upper(substr(md5(i::text), 1, 24))
        FROM generate_series(b * 64, least(n - 1, b * 64 + 63)) i;
        COMMIT;
    END LOOP;
END $$;

CREATE PROCEDURE report(n INT, k INT) LANGUAGE plpgsql AS $$
BEGIN
    FOR b IN 0 .. (n - 1) / 256 LOOP
        UPDATE narrowest SET rank = k, reported = reported | (1 << k), updated_at = updated_at + 1,
            delivered_at = CASE WHEN k >= 4 THEN 1764433659000000 ELSE 0 END,
            read_at = CASE WHEN k >= 5 THEN 1764433660000000 ELSE 0 END
        WHERE campaign = 1 AND phone BETWEEN 447400000000 + b * 256 AND 447400000000 + b * 256 + 255;
        COMMIT;
    END LOOP;
END $$;

CREATE VIEW sizes AS
SELECT c.relname AS relation, round(pg_relation_size(c.oid) / :n::numeric, 1) AS bytes_a_recipient
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'wacast_floor' AND c.relkind IN ('r', 'i')
UNION ALL
SELECT c.relname || ', in all', round(pg_total_relation_size(c.oid) / :n::numeric, 1)
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'wacast_floor' AND c.relkind = 'r'
ORDER BY 1;

CALL send(:n);
VACUUM narrowest;
\echo 'after the sends (kept: written once, final state)'
SELECT * FROM sizes;

CALL report(:n, 1);
VACUUM narrowest;
CALL report(:n, 2);
VACUUM narrowest;
CALL report(:n, 3);
VACUUM narrowest;
CALL report(:n, 4);
VACUUM narrowest;
CALL report(:n, 5);
VACUUM narrowest;
\echo 'after five reports a recipient'
SELECT * FROM sizes WHERE relation LIKE 'narrowest%';
-- This session's counts reach the statistics view once flushed.
SELECT pg_stat_force_next_flush();
SELECT n_tup_upd AS updates, n_tup_hot_upd AS on_their_page
FROM pg_stat_user_tables WHERE schemaname = 'wacast_floor' AND relname = 'narrowest';

DROP SCHEMA wacast_floor CASCADE;
