"""Tests of the offline engine."""
