"""Functions from domain data to Adaptive Card JSON (schema 1.5). No I/O here."""
