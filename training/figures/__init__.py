"""The figures a coordinator reports.

totals.py       training totals for a period, team and course (each figure defined there)
plain_words.py  how a coordinator asks for totals in plain words
questions.py    a question in words read and answered in one unit of work (totals, the report,
                an export, feedback over a period, an Allow on a file offer)
report.py       the board report's sentences
feedback.py     feedback after a session: who is asked, what they answer, the summary
"""
