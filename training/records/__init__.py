"""A person's training record.

my_training.py  what a person completed and when a refresher is due
elearning.py    the Home Office e-learning: claim, certificate, the manager's confirmation
"""
