"""The Datasette plugin `pressroom serve` registers: SQL functions its canned queries call.

    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> prepare_connection(conn)
    >>> conn.execute("SELECT pressroom_query('')").fetchone()
    ('""',)

Imported only by pressroom.serve, once Datasette (an optional extra) is known to be there.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from storage.spellings import register_query_function


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Every connection Datasette opens: ``pressroom_query(q)`` for the ranked search."""
    register_query_function(conn)
