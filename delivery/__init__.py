"""Messages and files on their way to people.

outbox.py      every message written before it is sent, claimed by one sender at a time
pace.py        one send rate per tenant, shared by every replica (PostgreSQL)
file_links.py  files kept for one person to fetch through a signed link
"""
