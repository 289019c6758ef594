"""One module per use case: ingest, run, build, newsletter, send, status; the clock is always passed in."""
