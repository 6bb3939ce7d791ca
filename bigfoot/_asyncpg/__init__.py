"""The asyncpg fakes. Importing this package imports asyncpg."""
