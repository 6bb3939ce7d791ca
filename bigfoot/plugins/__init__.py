"""bigfoot's plugins. ``bigfoot.plugins.asyncpg_plugin`` needs the asyncpg extra."""
