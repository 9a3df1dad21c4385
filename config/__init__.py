"""Settings every part of wrapbot reads: one class, from the environment."""
