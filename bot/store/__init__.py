"""Storage: the engine and unit of work, the tables, migrations, and SQL helpers."""
