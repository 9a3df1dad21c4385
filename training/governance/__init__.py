"""Governance: the boards and the reminders owed to them.

boards.py     boards, who leads each, an update recorded as delivered
reminders.py  which reminders fall due when (pure)
due.py        reminders read from the database: due now, coming, sessions just ended
"""
