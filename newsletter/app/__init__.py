"""The application shell: the CLI, the config, one module per use case, the journal, serve and archive care. The only place that mixes I/O with the core."""
