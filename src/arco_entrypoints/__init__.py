"""The ways into ARCO: the command line, the HTTP API and the background worker."""
