"""A Redis-compatible server for the job queue when none is configured."""
