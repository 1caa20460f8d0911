"""PostgreSQL buffer blocks a page's statements touch: a measure of work that does not move with the machine's load."""

from sqlalchemy import event


def blocks_read(engine, fetch, table: str) -> str:
    """Call fetch() (one page load) and sum the shared blocks its SELECTs FROM table touch, by EXPLAIN BUFFERS.

    Equal counts at a small and a large table size mean the same index ranges were read. "–" off PostgreSQL.
    """
    if engine.dialect.name != "postgresql":
        return "–"
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if f"FROM {table}" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    blocks = 0
    with engine.connect() as conn:
        for statement, parameters in seen:
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters)
            top = plan.scalar()[0]["Plan"]
            blocks += top["Shared Hit Blocks"] + top["Shared Read Blocks"]
    return str(blocks)
