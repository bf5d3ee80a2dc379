"""Foundations every layer may use: the exception hierarchy, settings and the clock."""
