"""The shared event store on PostgreSQL/PostGIS (docs/database.md): schema and migrations
(schema.py), publishing a table with COPY (push.py), reading back with the filter pushed down as
SQL with bound parameters (query.py), and connection strings without secrets (connect.py).

No widgets here: the command line (atlas/cli/db.py) and the window both use this package.
"""
