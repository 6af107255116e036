"""Measurements: latency histograms and process sampling."""
