"""A SELECT compiled once and run straight on a pooled driver connection: for the reads every request makes."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy import Engine, Select


class PlainRead:
    """One statement, compiled for one engine's database, whose rows come back as plain tuples.

    SQLAlchemy's execution — its `Connection`, the events, the compiled-cache lookup, the `Result` — cost
    `/lead list` about as much CPU as the query itself. This keeps what a read needs of it (the dialect's
    SQL, the type conversion of parameters and columns, the pool with its checks) and skips the rest.
    Fit for statements with named parameters only (no `IN` lists, which SQLAlchemy expands per call).
    """

    def __init__(self, statement: Select, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("a plain read cannot expand parameters per call (an IN list, say)")
        self.sql = compiled.string
        self._engine = engine
        self._order = compiled.positiontup  # the parameters' order for a positional style (SQLite's ?), else None
        self._constants = {key: value for key, value in compiled.params.items() if value is not None}
        self._to_database: dict[str, Callable[[Any], Any]] = {}
        for key, bind in compiled.binds.items():
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                self._to_database[key] = convert
        self._from_database = tuple(
            (index, convert)
            for index, column in enumerate(statement.selected_columns)
            if (convert := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        )
        # Reads on PostgreSQL run in autocommit, as Database.read_rows() does: no BEGIN and ROLLBACK round trips.
        self._autocommit = dialect.name == "postgresql"

    def rows(self, values: Mapping[str, Any], clean: Callable[[Any], Any] = lambda value: value) -> list[tuple]:
        """The statement's rows for these parameter values; `clean` is applied to the values first."""
        parameters = self._parameters(clean(dict(values)))
        connection = self._engine.raw_connection()
        try:
            rows = self._fetch(connection, parameters)
        finally:
            connection.close()
        if not self._from_database:
            return rows
        # Column by column, only those with a conversion (dates and times on SQLite, which stores them as text;
        # the time zone of leadbot's UTC columns): a third of the CPU of converting every value of every row.
        rows = [list(row) for row in rows]
        for index, convert in self._from_database:
            for row in rows:
                if row[index] is not None:
                    row[index] = convert(row[index])
        return [tuple(row) for row in rows]

    def _fetch(self, connection, parameters: tuple | dict) -> list[tuple]:
        driver = connection.driver_connection
        if self._autocommit:
            driver.autocommit = True
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, parameters)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        except self._engine.dialect.loaded_dbapi.Error as error:
            if self._engine.dialect.is_disconnect(error, driver, None):
                connection.invalidate(error)  # a dropped connection goes back to no one
                raise
            self._end_autocommit(driver)
            raise
        self._end_autocommit(driver)
        return rows

    def _end_autocommit(self, driver) -> None:
        if self._autocommit:
            driver.autocommit = False  # the pool's connections serve writes too, in transactions

    def _parameters(self, values: dict[str, Any]) -> tuple | dict:
        merged = {**self._constants, **values}
        for key, convert in self._to_database.items():
            if merged.get(key) is not None:
                merged[key] = convert(merged[key])
        if self._order is not None:
            return tuple(merged[key] for key in self._order)
        return merged
