"""Warbler's domain and adapters, shipped to every function as one Lambda layer."""
