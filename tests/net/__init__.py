"""Tests of the safe URL fetcher."""
