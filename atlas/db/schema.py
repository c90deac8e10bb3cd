"""The versioned table layout of the shared store (documented in docs/database.md).

Everything lives in the schema ``katlas``. ``katlas.schema_version`` records each migration applied;
``MIGRATIONS[i]`` brings version i to i+1, so ``db migrate`` runs the missing ones in order, each in
its own transaction. Change the layout only by appending a migration: a published database must be
able to follow.
"""

from __future__ import annotations

from typing import Any

#: Group roles the layout grants to (docs/database.md "Roles"): log-in roles are made members.
READ_ROLE = "katlas_read"
EDIT_ROLE = "katlas_edit"

_V1 = """
CREATE SCHEMA IF NOT EXISTS katlas;
CREATE TABLE katlas.schema_version (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text NOT NULL DEFAULT current_user
);
-- One row per publish: who pushed which file when (row-level provenance points here).
CREATE TABLE katlas.imports (
    import_id    bigserial PRIMARY KEY,
    source_file  text NOT NULL,
    file_sha256  text,
    pushed_by    text NOT NULL DEFAULT current_user,
    pushed_at    timestamptz NOT NULL DEFAULT now(),
    rows_pushed  integer
);
CREATE TABLE katlas.events (
    event_id          text PRIMARY KEY,
    event_date        date,
    time_precision    smallint NOT NULL DEFAULT 1,
    event_type        text,
    sub_event_type    text,
    title             text,
    actor1            text,
    actor2            text,
    side              text,
    country           text,
    admin1            text,
    admin2            text,
    location          text,
    geo_precision     smallint NOT NULL DEFAULT 0,
    coord_approximate boolean NOT NULL DEFAULT false,
    coord_basis       text,
    notes             text,
    fatalities        double precision,
    confidence        text,
    claimed_by        text,
    claim_area_km2    double precision,
    dataset           text,
    geom              geometry(Point, 4326),
    -- lower-cased title, notes, place, actors and region, as the atlas's search box folds them
    search_text       text NOT NULL DEFAULT '',
    -- provenance of this row: who wrote it, when, from which file (and the publish it came in)
    written_by        text NOT NULL DEFAULT current_user,
    written_at        timestamptz NOT NULL DEFAULT now(),
    source_file       text,
    import_id         bigint REFERENCES katlas.imports
);
CREATE INDEX events_geom_gist ON katlas.events USING gist (geom);
CREATE INDEX events_date ON katlas.events (event_date);
CREATE INDEX events_type ON katlas.events (event_type);
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX events_search_trgm ON katlas.events USING gin (search_text gin_trgm_ops);
CREATE TABLE katlas.sources (
    event_id  text NOT NULL REFERENCES katlas.events ON DELETE CASCADE,
    ord       smallint NOT NULL,
    outlet    text,
    date      text,
    url       text,
    title     text,
    PRIMARY KEY (event_id, ord)
);
"""

# Version 2: the list's keyset order (day with undated last, then id) as one index, which also
# serves date ranges, so the plain date index goes.
_V2 = """
CREATE INDEX events_keyset ON katlas.events ((coalesce(event_date, 'infinity'::date)), event_id);
DROP INDEX katlas.events_date;
"""

# Version 3: editing with history and live updates. Each event has a version that every change
# moves on (an edit names the version it started from: atlas/db/edit.py); events_history keeps
# each edit's previous and new values; a statement-level trigger tells listening windows that
# events changed (one notification per statement, so a 1M-row publish is one, not a million).
_V3 = """
ALTER TABLE katlas.events ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE TABLE katlas.events_history (
    history_id  bigserial PRIMARY KEY,
    event_id    text NOT NULL,
    version     integer NOT NULL,
    changed_by  text NOT NULL DEFAULT current_user,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    old_values  jsonb NOT NULL,
    new_values  jsonb NOT NULL
);
CREATE INDEX events_history_event ON katlas.events_history (event_id, history_id);
CREATE FUNCTION katlas.notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('katlas_events', TG_OP);
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON katlas.events
    FOR EACH STATEMENT EXECUTE FUNCTION katlas.notify_events();
"""

# Version 4: a change log that says which events changed, so an open window updates only those.
# One row per changed event (its id, and the row as it was before an UPDATE or DELETE, on which a
# window evaluates its filter to know whether the event had been in its list); a statement that
# writes more than CHANGE_LOG_MAX_ROWS events logs one MANY row instead (the window then reads its
# view again). ``xid`` is the writing transaction: a window reads the changes committed since the
# snapshot it last read at (atlas/db/changes.py), which a sequence number alone cannot give (numbers
# are taken in one order and committed in another). The notification names the statement's
# operation and row count only: a payload stays far below NOTIFY's 8000-byte limit however big the
# statement. The trigger function runs as the layout's owner, so editors need no rights on the log;
# entries older than a week are removed as new ones come.
_V4 = """
CREATE TABLE katlas.changes (
    seq         bigserial PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    op          text NOT NULL,
    event_id    text,
    old_row     jsonb,
    rows        bigint NOT NULL DEFAULT 1
);
CREATE INDEX changes_xid ON katlas.changes (xid);
CREATE INDEX changes_time ON katlas.changes (changed_at);
CREATE FUNCTION katlas.log_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint := 0;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO katlas.changes (op, rows) VALUES ('TRUNCATE', 0);
        n := 1;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO n FROM new_rows;
        IF n > %(max)s THEN
            INSERT INTO katlas.changes (op, rows) VALUES ('MANY', n);
        ELSIF n > 0 THEN
            INSERT INTO katlas.changes (op, event_id) SELECT 'INSERT', r.event_id FROM new_rows r;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT count(*) INTO n FROM new_rows;
        IF n > %(max)s THEN
            INSERT INTO katlas.changes (op, rows) VALUES ('MANY', n);
        ELSIF n > 0 THEN
            INSERT INTO katlas.changes (op, event_id, old_row)
                SELECT 'UPDATE', o.event_id, to_jsonb(o) FROM old_rows o;
            -- an id changed by the update: the new id is an event that appeared
            INSERT INTO katlas.changes (op, event_id)
                SELECT 'INSERT', r.event_id FROM new_rows r
                WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.event_id = r.event_id);
        END IF;
    ELSE
        SELECT count(*) INTO n FROM old_rows;
        IF n > %(max)s THEN
            INSERT INTO katlas.changes (op, rows) VALUES ('MANY', n);
        ELSIF n > 0 THEN
            INSERT INTO katlas.changes (op, event_id, old_row)
                SELECT 'DELETE', o.event_id, to_jsonb(o) FROM old_rows o;
        END IF;
    END IF;
    IF n > 0 THEN
        DELETE FROM katlas.changes WHERE changed_at < now() - interval '7 days';
        PERFORM pg_notify('katlas_events', json_build_object('op', TG_OP, 'rows', n)::text);
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER events_notify ON katlas.events;
DROP FUNCTION katlas.notify_events();
CREATE TRIGGER events_log_insert AFTER INSERT ON katlas.events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION katlas.log_changes();
CREATE TRIGGER events_log_update AFTER UPDATE ON katlas.events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION katlas.log_changes();
CREATE TRIGGER events_log_delete AFTER DELETE ON katlas.events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION katlas.log_changes();
CREATE TRIGGER events_log_truncate AFTER TRUNCATE ON katlas.events
    FOR EACH STATEMENT EXECUTE FUNCTION katlas.log_changes();
""" % {"max": 10_000}
# Version 5: each publish records the credit of each dataset it carried (the bundled compilation,
# ACLED, UCDP GED, or "" for a file credited by its name), recognised by the pushing atlas from the
# file's own columns, which the store does not keep: the attribution of a view then credits every
# dataset its events come from (atlas/db/provenance.py).
_V5 = """
ALTER TABLE katlas.imports ADD COLUMN credits jsonb;
"""

#: A statement writing more events than this logs one MANY change instead of one per event (the
#: number is in the trigger function of versions 4 and 6; a later migration changes it by replacing
#: the function).
CHANGE_LOG_MAX_ROWS = 10_000

# Version 6: one path through the change-log trigger for every operation. Version 4 spelled out the
# count, the MANY row and the logging once per operation (insert, update, delete); here each is
# written once: the statement's rows are counted in the transition table it has (the new rows, or
# the old ones of a DELETE), the rows as they were are logged for UPDATE and DELETE alike, the ids
# that appeared for INSERT and UPDATE alike (an update that changed an id). The log's rows, the
# notification and the four triggers (a trigger with transition tables serves one operation) stay
# as they were, so windows read it as before.
_V6 = """
CREATE OR REPLACE FUNCTION katlas.log_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint := 1;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO katlas.changes (op, rows) VALUES ('TRUNCATE', 0);
    ELSE
        -- Only the transition tables of its own operation exist for a trigger: the statement
        -- names the one to count (a constant, never user text).
        EXECUTE 'SELECT count(*) FROM ' || CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END INTO n;
        IF n > {max} THEN
            INSERT INTO katlas.changes (op, rows) VALUES ('MANY', n);
        ELSIF n > 0 THEN
            IF TG_OP <> 'INSERT' THEN  -- the rows as they were, on which a window evaluates its filter
                INSERT INTO katlas.changes (op, event_id, old_row)
                    SELECT TG_OP, o.event_id, to_jsonb(o) FROM old_rows o;
            END IF;
            IF TG_OP <> 'DELETE' THEN  -- the ids that appeared (an update's changed id among them)
                EXECUTE 'INSERT INTO katlas.changes (op, event_id) SELECT ''INSERT'', r.event_id FROM new_rows r'
                    || CASE TG_OP WHEN 'UPDATE' THEN
                           ' WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.event_id = r.event_id)' ELSE '' END;
            END IF;
        END IF;
    END IF;
    IF n > 0 THEN
        DELETE FROM katlas.changes WHERE changed_at < now() - interval '7 days';
        PERFORM pg_notify('katlas_events', json_build_object('op', TG_OP, 'rows', n)::text);
    END IF;
    RETURN NULL;
END $$;
""".replace("{max}", str(CHANGE_LOG_MAX_ROWS))

#: The triggers that write the change log (a bulk publish disables them and logs one MANY row).
CHANGE_LOG_TRIGGERS = ("events_log_insert", "events_log_update", "events_log_delete")

#: The secondary indexes of the current layout. A large publish drops and rebuilds them (push.py);
#: ``db migrate`` recreates any that a publish interrupted after its commit left missing.
LAYOUT_INDEXES: dict[str, str] = {
    "events_geom_gist": "CREATE INDEX IF NOT EXISTS events_geom_gist ON katlas.events USING gist (geom)",
    "events_keyset": "CREATE INDEX IF NOT EXISTS events_keyset ON katlas.events "
                     "((coalesce(event_date, 'infinity'::date)), event_id)",
    "events_type": "CREATE INDEX IF NOT EXISTS events_type ON katlas.events (event_type)",
    "events_search_trgm": "CREATE INDEX IF NOT EXISTS events_search_trgm ON katlas.events "
                          "USING gin (search_text gin_trgm_ops)",
}

#: MIGRATIONS[i] takes the layout from version i to version i + 1.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(conn: Any) -> int:
    """The layout's version in this database (0: none yet)."""
    row = conn.execute("SELECT to_regclass('katlas.schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT coalesce(max(version), 0) FROM katlas.schema_version").fetchone()
    return int(got[0]) if got else 0


def _grant(conn: Any) -> None:
    """Create the two group roles when missing (if we may) and grant them the layout."""
    may = conn.execute(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
    for role in (READ_ROLE, EDIT_ROLE):
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            if not (may and may[0]):
                continue
            conn.execute(f"CREATE ROLE {role} NOLOGIN")  # a constant of this module
        conn.execute(f"GRANT USAGE ON SCHEMA katlas TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA katlas TO {role}")
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (EDIT_ROLE,)).fetchone():
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON katlas.events, katlas.sources, katlas.imports TO {EDIT_ROLE}")
        if conn.execute("SELECT to_regclass('katlas.events_history') IS NOT NULL").fetchone()[0]:
            # The history is appended to, never rewritten, by editors.
            conn.execute(f"GRANT INSERT ON katlas.events_history TO {EDIT_ROLE}")
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA katlas TO {EDIT_ROLE}")


def migrate(conn: Any) -> tuple[int, int]:
    """Apply the missing migrations (each in a transaction); returns (version before, after)."""
    with conn.transaction():  # a transaction of its own, so each migration below is one too
        before = current_version(conn)
    if before > SCHEMA_VERSION:
        raise RuntimeError(f"the database's layout is version {before}, newer than this atlas "
                           f"(version {SCHEMA_VERSION}): update the atlas")
    for version in range(before, SCHEMA_VERSION):
        with conn.transaction():
            if version == 0:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute(MIGRATIONS[version])
            conn.execute("INSERT INTO katlas.schema_version (version) VALUES (%s)", (version + 1,))
            _grant(conn)
    if before == SCHEMA_VERSION:
        ensure_indexes(conn)
    return before, SCHEMA_VERSION


def ensure_indexes(conn: Any) -> list[str]:
    """Create the layout's secondary indexes that are missing; returns their names."""
    with conn.transaction():
        missing = [name for name in LAYOUT_INDEXES
                   if conn.execute("SELECT to_regclass(%s) IS NULL", (f"katlas.{name}",)).fetchone()[0]]
        for name in missing:
            conn.execute(LAYOUT_INDEXES[name])
    return missing


def init(conn: Any) -> int:
    """Create the layout in an empty database; refuses a database that already has one."""
    with conn.transaction():
        version = current_version(conn)
    if version != 0:
        raise RuntimeError("this database already has the atlas's tables (use `db migrate` to update them)")
    return migrate(conn)[1]
