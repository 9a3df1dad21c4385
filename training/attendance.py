"""Transitional: the attendance view types under their old address, for the one importer that
is being rewritten (bot/cards/training_records.py). Delete this module when that import moves to
`training.attendance_sheet` and `training.unmatched_attendees`; import from those, not from here.
"""

from training.attendance_sheet import AttendanceSheet, SyncResult
from training.unmatched_attendees import UnmatchedLine

__all__ = ["AttendanceSheet", "SyncResult", "UnmatchedLine"]
