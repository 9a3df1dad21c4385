"""Time and the council's calendar.

clock.py         time as something passed in
periods.py       months, quarters, calendar and financial years
working_days.py  weekends and England-and-Wales bank holidays
"""
