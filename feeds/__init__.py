"""feedletter core: parse listings, keep an archive, group months, write feeds.

Pure functions over frozen dataclasses; the only I/O lives in `store` (SQLite) and
`output` (files). The application shell is the `newsletter` package.
"""
