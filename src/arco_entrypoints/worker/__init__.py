"""The background worker (arq): scheduled jobs, each a thin call to a use-case, run once per tick."""
