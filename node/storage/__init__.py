"""The only place with SQL: a module per aggregate, the pool, migrations, embedded server."""
