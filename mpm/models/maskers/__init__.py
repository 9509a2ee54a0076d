"""Maskers: modules returning (B, T, J) bool masks (True = hidden)."""
