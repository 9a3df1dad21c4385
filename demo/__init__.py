"""The demo council: tooling, like `bench/`, never imported by the domain.

council.py  a council's Prevent programme over six financial years, relative to today
history.py  the programme's past, month by month
"""
