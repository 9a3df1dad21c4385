"""Data protection.

audit.py          the audit trail: one entry per coordinator action, view or export
retention.py      records past the retention period deleted, people gone anonymised
anonymisation.py  who has gone, and taking them out
"""
