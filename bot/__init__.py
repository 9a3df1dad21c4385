"""The Teams adapter: every botbuilder import lives in this package."""
