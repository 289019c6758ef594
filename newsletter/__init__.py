"""feedletter's application shell: the monthly e-mail, the CLI, config and use cases."""
