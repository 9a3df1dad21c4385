"""Who came and who completed.

completion.py  the completion rule: the seconds a person needs on a session, and the decision
reports.py     Teams attendance reports stored as Graph sent them; each session's sync state
results.py     a session's results recomputed from every report held
register.py    attendance taken by hand: in person, or correcting Teams
sheet.py       what a coordinator sees of a session's attendance
unmatched.py   attendees matched to nobody, for a coordinator to assign or mark a guest
"""
