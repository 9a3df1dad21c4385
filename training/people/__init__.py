"""People and teams.

staff.py         who people are (from Teams) and where to reach them later
merge.py         two staff records found to be one person become one
teams.py         departments from Entra, teams set by coordinators, the department map
team_rule.py     which reporting team a person is counted in (pure)
coordinators.py  who the Prevent coordinators are
facilitators.py  who runs a session: named by staff record (Entra id or email), never by name
"""
