"""Doctrina SDK."""
