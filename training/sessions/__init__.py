"""Sessions and booking.

schedule.py     a coordinator puts sessions on, reads the roster, calls a session off
booking.py      find sessions, book a seat, wait, cancel; the one promotion rule
offer_rule.py   who gets a seat that comes free, and how (pure)
seat_offers.py  a held seat accepted, declined or run out
changes.py      a session changed or rescheduled, every booking kept
messages.py     a coordinator's message to the people booked
calendar.py     what the session's Teams calendar event must be told
queries.py      reads the services share: sessions with their counts
"""
