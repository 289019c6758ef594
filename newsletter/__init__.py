"""The monthly newsletter (issue/) and the application shell around the core library (app/)."""
