"""Shared helpers of the tests, and the repository test doubles they run against."""
