"""The Prevent training domain: staff, courses, sessions, bookings and their rules.

Nothing here imports botbuilder, msgraph, apscheduler or aiohttp; adapters call the services.
"""
