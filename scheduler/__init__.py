"""Reminders: the APScheduler jobs, their lifecycle (one leader among replicas) and the hooks."""
