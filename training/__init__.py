"""The Prevent training domain: who must be trained, the sessions they book, who completed, and
the figures and reminders a coordinator owes the boards.

Pure rules and services only: nothing here imports botbuilder, msgraph, apscheduler or aiohttp,
nor the adapters (`bot`, `graph`, `scheduler`), the file builders (`documents`), the settings
(`config`), message delivery (`delivery`) or the demo (`demo`); `tests/test_layers.py` holds it
to that. Services take a unit of work (`database.engine.Database.run`) and `now`.

    models/           the tables, one module per topic, all re-exported here
    sessions/         sessions and booking: seats, the waiting list, seat offers, changes,
                      messages to the people booked, the Teams calendar event
    attendance/       who came and who completed: Teams reports, the results, the sheet,
                      the unmatched, the register, and the completion rule
    people/           staff, their teams (Entra departments mapped to reporting teams),
                      merging duplicate records, who the coordinators are
    records/          a person's own training record and the Home Office e-learning claims
    figures/          totals in plain words, the board report, feedback
    governance/       boards and their updates, reminders and when they fall due
    data_protection/  the audit log, retention and anonymisation
    dates/            the clock, reporting periods, working days
    errors.py         what can go wrong, in words a person can read
    views.py          plain read-only pictures of state handed to the adapters
    handled.py        requests acted on once (a redelivered activity)
"""
