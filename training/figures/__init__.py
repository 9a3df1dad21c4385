"""The figures a coordinator reports.

totals.py       training totals for a period, team and course (each figure defined there)
plain_words.py  how a coordinator asks for totals in plain words
report.py       the board report's sentences
feedback.py     feedback after a session: who is asked, what they answer, the summary
"""
