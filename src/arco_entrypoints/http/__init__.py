"""The HTTP API: Litestar handlers that translate requests into use-case calls and results into JSON."""
