"""Tests of the Block Kit builders."""
