"""The database: engines and units of work, the schema's migrations, shared column types.

engine.py         the one place that makes engines and sessions (`Database.run`)
migrate.py        bring a schema up to date with `migrations/`, one process at a time
old_revisions.py  the revision ids from before the migrations were renumbered, and their new ids
columns.py        aware-UTC datetimes and strings cut to their column
"""
